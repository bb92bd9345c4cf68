-- release_job.lua — hand a claimed job back when it could not be pushed
-- (no worker connected, or its queue is full). It does not count as an attempt.
--
-- KEYS[1] job hash   KEYS[2] due set   KEYS[3] in-flight set   KEYS[4] counts
-- ARGV[1] job id   ARGV[2] when to try again (Unix seconds)
-- Returns 1 when released, 0 when the job had moved on meanwhile.
if redis.call('HGET', KEYS[1], 'state') ~= 'dispatched' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'planned')
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'dispatched', -1)
redis.call('HINCRBY', KEYS[4], 'planned', 1)
return 1
