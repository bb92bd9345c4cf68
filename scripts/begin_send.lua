-- begin_send.lua — a worker's promise, made before the provider call, that
-- this dispatch of the job is the only one that will be sent — and the last
-- look at consent before it goes.
--
-- KEYS[1] job hash   KEYS[2] SMS opt-out set   KEYS[3] WeChat opt-out set
-- KEYS[4] in-flight set   KEYS[5] counts
-- ARGV[1] the dispatch's attempt number   ARGV[2] worker name   ARGV[3] now
-- ARGV[4] job id   ARGV[5] retention (seconds) for a job that ends here
-- Returns "ok"; "verify:<t>" (claimed, but an earlier attempt at t may have
-- reached the provider: ask it before sending again); or why the worker must
-- not send: "missing", "state:<state>" (already sent, failed, ...), "stale"
-- (an older dispatch of a job dispatched again since), "sending" (another
-- worker holds it), "cancelled:opted_out" (the address opted out of the
-- channel: the job ends cancelled here, atomically with the check).

-- One read of every field it looks at (this runs once a job; each HGET
-- was a command of its own).
local f = redis.call('HMGET', KEYS[1], 'state', 'attempts', 'sending', 'channel', 'to', 'unsure_at')
local state, attempts, holder, channel, to, unsure = f[1], f[2], f[3], f[4], f[5], f[6]
if not state then return 'missing' end
if state ~= 'dispatched' then return 'state:' .. state end
if attempts ~= ARGV[1] then return 'stale' end
-- The same worker asking again lost the reply to its first ask (Redis went
-- away): it has not sent, so the claim stands.
if holder and holder ~= ARGV[2] then return 'sending' end

local suppression = channel == 'wechat' and KEYS[3] or KEYS[2]
if to and redis.call('SISMEMBER', suppression, to) == 1 then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', ARGV[3], 'error', 'opted_out')
  redis.call('ZREM', KEYS[4], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('HINCRBY', KEYS[5], 'dispatched', -1)
  redis.call('HINCRBY', KEYS[5], 'cancelled', 1)
  return 'cancelled:opted_out'
end

redis.call('HSET', KEYS[1], 'sending', ARGV[2], 'sending_at', ARGV[3])
if unsure then return 'verify:' .. unsure end
return 'ok'
