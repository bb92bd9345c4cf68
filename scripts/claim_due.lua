-- claim_due.lua — take the jobs that are due and mark them dispatched.
--
-- KEYS[1] due set   KEYS[2] in-flight set   KEYS[3] counts
-- ARGV[1] now   ARGV[2] limit   ARGV[3] ack deadline   ARGV[4] job key prefix
-- ARGV[5] max attempts   ARGV[6] retention (seconds) for jobs that end here
-- Returns { expired count, failed count, id1, {field, value ...}, id2, {...} ... }.
-- A job past its expiry ends `expired` (a greeting is never sent late); one
-- dispatched max-attempts times ends `failed`. Claimed jobs enter the
-- in-flight set with a deadline: no result by then and they are dispatched again.
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
local out = {0, 0}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[4] .. id
  local state = redis.call('HGET', key, 'state')
  if state == 'planned' then
    local expires = tonumber(redis.call('HGET', key, 'expires_at') or '0')
    local attempts = tonumber(redis.call('HGET', key, 'attempts') or '0')
    if expires > 0 and now >= expires then
      redis.call('HSET', key, 'state', 'expired', 'finished_at', now)
      redis.call('EXPIRE', key, ARGV[6])
      redis.call('HINCRBY', KEYS[3], 'planned', -1)
      redis.call('HINCRBY', KEYS[3], 'expired', 1)
      out[1] = out[1] + 1
    elseif attempts >= tonumber(ARGV[5]) then
      redis.call('HSET', key, 'state', 'failed', 'finished_at', now,
                 'error', 'dispatched ' .. attempts .. ' times without a result')
      redis.call('EXPIRE', key, ARGV[6])
      redis.call('HINCRBY', KEYS[3], 'planned', -1)
      redis.call('HINCRBY', KEYS[3], 'failed', 1)
      out[2] = out[2] + 1
    else
      redis.call('HSET', key, 'state', 'dispatched', 'attempts', attempts + 1,
                 'dispatched_at', now)
      redis.call('ZADD', KEYS[2], ARGV[3], id)
      redis.call('HINCRBY', KEYS[3], 'planned', -1)
      redis.call('HINCRBY', KEYS[3], 'dispatched', 1)
      out[#out + 1] = id
      out[#out + 1] = redis.call('HGETALL', key)
    end
  end
end
return out
