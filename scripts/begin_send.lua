-- begin_send.lua — a worker's promise, made before the provider call, that
-- this dispatch of the job is the only one that will be sent — and the last
-- look at consent before it goes. For several jobs of one store at once (a
-- worker's batch): one script call instead of one a job.
--
-- KEYS[1] SMS opt-out set   KEYS[2] WeChat opt-out set   KEYS[3] in-flight set
-- KEYS[4] counts   KEYS[5] webhook flag (hu:{S}:wh:on)   KEYS[6] webhook events
-- KEYS[6 + j] job j's hash
-- ARGV[1] worker name   ARGV[2] now   ARGV[3] retention (seconds) for a job
-- that ends here; then for each job j: ARGV[2 + 2j] the dispatch's attempt
-- number, ARGV[3 + 2j] the job id
-- Returns one answer a job, in order: "ok"; "verify:<t>" (begun, but an
-- earlier attempt at t may have reached the provider: ask it before sending
-- again); or why the worker must not send: "missing", "state:<state>"
-- (already sent, failed, ...), "stale" (an older dispatch of a job
-- dispatched again since), "sending" (another worker holds it),
-- "cancelled:opted_out" (the address opted out of the channel: the job ends
-- cancelled here, atomically with the check, and reported as the webhook
-- event message.skipped, reason opted_out: webhook_event.lua).
--#guard
--#fence
--#include webhook_event
local worker, now, retention = ARGV[1], ARGV[2], ARGV[3]
local out, ended = {}, {}

local function begin(key, attempt, id)
  -- One read of every field it looks at.
  local f = redis.call('HMGET', key, 'state', 'attempts', 'sending', 'channel', 'to', 'unsure_at',
                       'member', 'kind')
  local state, attempts, holder, channel, to, unsure = f[1], f[2], f[3], f[4], f[5], f[6]
  if not state then return 'missing' end
  if state ~= 'dispatched' then return 'state:' .. state end
  if attempts ~= attempt then return 'stale' end
  -- The same worker asking again lost the reply to its first ask (Redis went
  -- away): it has not sent, so its begin stands.
  if holder and holder ~= worker then return 'sending' end

  local suppression = channel == 'wechat' and KEYS[2] or KEYS[1]
  if to and redis.call('SISMEMBER', suppression, to) == 1 then
    redis.call('HSET', key, 'state', 'cancelled', 'finished_at', now, 'error', 'opted_out')
    redis.call('EXPIRE', key, retention)
    ended[#ended + 1] = id
    webhook_event(KEYS[5], KEYS[6], 'message.skipped', f[7], now,
                  {job_id = id, kind = f[8] or '', channel = channel or '', reason = 'opted_out'})
    return 'cancelled:opted_out'
  end

  redis.call('HSET', key, 'sending', worker, 'sending_at', now)
  if unsure then return 'verify:' .. unsure end
  return 'ok'
end

for j = 1, #KEYS - 6 do
  out[j] = begin(KEYS[6 + j], ARGV[2 + 2 * j], ARGV[3 + 2 * j])
end
-- The cancelled jobs leave the in-flight set and move in the counts once.
if #ended > 0 then
  redis.call('ZREM', KEYS[3], unpack(ended))
  redis.call('HINCRBY', KEYS[4], 'dispatched', -#ended)
  redis.call('HINCRBY', KEYS[4], 'cancelled', #ended)
end
return out
