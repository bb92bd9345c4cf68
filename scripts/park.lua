-- park.lua — events a door could not apply while `huitou reshard` holds the
-- store, kept in order to be applied after the switch (io/parked_events.h).
--
-- KEYS[1] the store's shard record (hu:{S}:shards)   KEYS[2] the parked
-- list (hu:{S}:reshard:parked)   KEYS[3] its counter (hu:{S}:reshard:parked:n)
-- ARGV[1..n] the events (core/parked_event.h: encode_parked)
-- Returns how many were parked: all of them while the record's phase is
-- `copy` or `replay`, else 0 and nothing is written — the store is not (or no
-- longer) held, and the door applies the events itself.
--
-- Read and pushed in one step, so an event is never parked after
-- end_replay.lua found the list empty (it would wait for a replay that never
-- comes), and a door never applies an event while older ones wait (during
-- `replay` it parks: the new layout is open, but the event would overtake
-- them). Each entry is "<reshard>:<n> <event>": the reshard's `at` and a
-- count, the once key of a consent event when it is applied.
local phase = redis.call('HGET', KEYS[1], 'phase')
if phase ~= 'copy' and phase ~= 'replay' then return 0 end
local reshard = redis.call('HGET', KEYS[1], 'at') or '0'
for i = 1, #ARGV do
  local n = redis.call('INCR', KEYS[3])
  redis.call('RPUSH', KEYS[2], reshard .. ':' .. n .. ' ' .. ARGV[i])
end
return #ARGV
