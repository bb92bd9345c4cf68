-- approve_day.lua — a person approves a store's day (core/day_approval.h).
--
-- KEYS[1] the day's approval record (hu:{S}:approved:<date>, a hash)
-- KEYS[2] due set   KEYS[3] in-flight set   KEYS[4] counts
-- KEYS[5] webhook flag (hu:{S}:wh:on)   KEYS[6] webhook events (hu:{S}:wh:events)
-- ARGV[1] at   ARGV[2] who (the account's login)   ARGV[3] job key prefix
-- ARGV[4] retention (s) of a job that ends here   ARGV[5] when the record expires (Unix s)
-- ARGV[6] the error of a cancelled job ("not approved by <who>")
-- ARGV[7] n, then n job ids to approve, then the job ids to cancel
-- Returns {approved, cancelled}.
--
-- The record: `by` and `at` of the latest approval, and a field "j:<id>" for
-- every job approved — what claim_due.lua asks before it claims a job of a
-- store that needs approval. Until then claim_due keeps such a job due at its
-- day's end (where it expires); approving puts it back at its own due time,
-- so it leaves at the next claim. Only planned jobs are approved or
-- cancelled (cancel_job.lua, with ARGV[6]); the others have
-- ended or gone meanwhile and are left alone.
--#include webhook_event
--#include cancel_job
local at, who, prefix = ARGV[1], ARGV[2], ARGV[3]
local n = tonumber(ARGV[7])
local k = {due = KEYS[2], inflight = KEYS[3], counts = KEYS[4], on = KEYS[5], events = KEYS[6]}
redis.call('HSET', KEYS[1], 'by', who, 'at', at)
redis.call('EXPIREAT', KEYS[1], ARGV[5])
local approved, cancelled = 0, 0
for i = 8, #ARGV do
  local id = ARGV[i]
  local key = prefix .. id
  local job = redis.call('HMGET', key, 'state', 'member', 'kind', 'channel', 'due_at')
  if job[1] == 'planned' then
    if i < 8 + n then
      redis.call('HSET', KEYS[1], 'j:' .. id, at)
      redis.call('ZADD', KEYS[2], job[5] or at, id)
      approved = approved + 1
    else
      cancel_job(k, id, key, {state = 'planned', member = job[2], kind = job[3], channel = job[4]},
                 at, ARGV[6], 'not_approved', ARGV[4])
      cancelled = cancelled + 1
    end
  end
end
return {approved, cancelled}
