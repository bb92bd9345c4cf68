-- hand_back.lua — hand a dispatched job back to planned when it could not be
-- pushed (no worker connected, or its queue is full), or when a worker defers
-- or stops before beginning it. It does not count as an attempt.
--
-- KEYS[1] job hash   KEYS[2] due set   KEYS[3] in-flight set   KEYS[4] counts
-- ARGV[1] job id   ARGV[2] when to try again (Unix seconds)
-- ARGV[3], ARGV[4] (optional) the dispatch's attempt and the worker: a
-- stopping worker handing back a job it did not send; then only that
-- dispatch, and only if no other worker began it (its own begin_send may
-- have run with the reply lost to a Redis outage).
-- Returns 1 when handed back, 0 when the job had moved on meanwhile, or when
-- its provider call was begun (`calling`): that one may have gone.
--#guard
--#fence
if redis.call('HGET', KEYS[1], 'state') ~= 'dispatched' then return 0 end
if redis.call('HEXISTS', KEYS[1], 'calling') == 1 then return 0 end
if ARGV[3] then
  if redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[3] then return 0 end
  local holder = redis.call('HGET', KEYS[1], 'sending')
  if holder and holder ~= ARGV[4] then return 0 end
  redis.call('HDEL', KEYS[1], 'sending', 'sending_at')
end
redis.call('HSET', KEYS[1], 'state', 'planned')
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'dispatched', -1)
redis.call('HINCRBY', KEYS[4], 'planned', 1)
return 1
