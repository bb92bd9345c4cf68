-- end_replay.lua — a reshard's replay ends: the store is live again
-- (io/parked_events.h).
--
-- KEYS[1] the store's shard record (hu:{S}:shards)   KEYS[2] the parked
-- list (hu:{S}:reshard:parked)
-- Returns 1 when the phase was `replay` and no event waits: the phase (and
-- `to`) cleared, from here the doors apply what arrives; 0 when events wait
-- (a door parked one after the replay's last read: replay them first); -1
-- when the phase is not `replay` (nothing to end; a rerun after a crash that
-- came after this script).
--
-- One step with park.lua's: nothing is parked after the phase is gone, and
-- the phase is not gone while anything is parked.
if redis.call('HGET', KEYS[1], 'phase') ~= 'replay' then return -1 end
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
redis.call('HDEL', KEYS[1], 'phase', 'to')
return 1
