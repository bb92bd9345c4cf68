-- retry_failed.lua — put a failed job back in the due set (huitou dlq --retry).
--
-- KEYS[1] job hash   KEYS[2] due set   KEYS[3] counts
-- ARGV[1] job id   ARGV[2] now (Unix seconds)
-- Returns 1 when the job is planned again, 0 when it is not failed (gone, or
-- moved on), -1 when it is past its expiry (a greeting is never sent late).
-- Its provider calls (`calls`, the attempts max_attempts bounds) count from 0
-- again; the dispatch number (`attempts`) goes on, so a copy of an old
-- dispatch is still refused as stale. The last error stays in `error` until
-- the next outcome replaces it. The hash loses the retention TTL it got when it failed.
--#guard
--#fence
if redis.call('HGET', KEYS[1], 'state') ~= 'failed' then return 0 end
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0')
if expires > 0 and tonumber(ARGV[2]) >= expires then return -1 end
redis.call('HSET', KEYS[1], 'state', 'planned', 'calls', 0)
redis.call('HDEL', KEYS[1], 'finished_at', 'unsure_at', 'sending', 'sending_at', 'calling')
redis.call('HINCRBY', KEYS[1], 'retried', 1)
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'failed', -1)
redis.call('HINCRBY', KEYS[3], 'planned', 1)
return 1
