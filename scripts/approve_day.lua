-- approve_day.lua — a person approves a store's day (core/day_approval.h).
--
-- KEYS[1] the day's approval record (hu:{S}:approved:<date>, a hash)
-- KEYS[2] due set   KEYS[3] in-flight set   KEYS[4] counts
-- KEYS[5] webhook flag (hu:{S}:wh:on)   KEYS[6] webhook events (hu:{S}:wh:events)
-- KEYS[7] the sheet due set (hu:{S}:sheetdue)
-- ARGV[1] at   ARGV[2] who (the account's login)   ARGV[3] job key prefix
-- ARGV[4] retention (s) of a job that ends here   ARGV[5] when the record expires (Unix s)
-- ARGV[6] the error of a cancelled job ("not approved by <who>")
-- ARGV[7] n   ARGV[8] the store's key prefix   ARGV[9] the day ("YYYY-MM-DD")
-- then 3 values a job: its id, its sheet number and record field in the
-- day's sheets ("" and "": the day has no sheets); the first n to approve,
-- the rest to cancel.
-- Returns {approved, cancelled}.
--
-- The record: `by` and `at` of the latest approval, and a field "j:<id>" for
-- every job approved — what claim_due.lua asks before it claims a job of a
-- store that needs approval. Until then claim_due keeps such a job due at its
-- day's end (where it expires); approving puts it back at its own due time,
-- so it leaves at the next claim. Only planned jobs are approved or
-- cancelled (cancel_job.lua, with ARGV[6]); the others have
-- ended or gone meanwhile and are left alone.
--
-- A job planned as a record of a day sheet (layout 2: no hash before its
-- claim) is approved the same way ("j:<id>"), and its sheet is made due at
-- once (ZADD LT: never later than it was): the claim looks at it now and
-- takes what is due, moving the score on to the next record. One left
-- unticked ends `c` with reason not_approved (cancel_record.lua).
--#guard
--#fence
--#include webhook_event
--#include cancel_job
--#include record_lib
--#include cancel_record
local at, who, prefix = ARGV[1], ARGV[2], ARGV[3]
local n = tonumber(ARGV[7])
local day = ARGV[9]
local k = {due = KEYS[2], inflight = KEYS[3], counts = KEYS[4], on = KEYS[5], events = KEYS[6],
           prefix = ARGV[8]}
redis.call('HSET', KEYS[1], 'by', who, 'at', at)
redis.call('EXPIREAT', KEYS[1], ARGV[5])
local approved, cancelled = 0, 0
local touched = {}  -- sheets whose records were cancelled
local first = 10
for i = first, #ARGV, 3 do
  local id, index, field = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local approve = i < first + 3 * n
  local key = prefix .. id
  local job = redis.call('HMGET', key, 'state', 'member', 'kind', 'channel', 'due_at')
  if job[1] == 'planned' then
    if approve then
      redis.call('HSET', KEYS[1], 'j:' .. id, at)
      redis.call('ZADD', KEYS[2], job[5] or at, id)
      approved = approved + 1
    else
      cancel_job(k, id, key, {state = 'planned', member = job[2], kind = job[3], channel = job[4]},
                 at, ARGV[6], 'not_approved', ARGV[4])
      cancelled = cancelled + 1
    end
  elseif not job[1] and field ~= '' then
    local value = redis.call('HGET', ARGV[8] .. 'sheet:' .. day .. ':' .. index, field) or ''
    if record_state(value) == 'p' then
      if approve then
        redis.call('HSET', KEYS[1], 'j:' .. id, at)
        redis.call('ZADD', KEYS[7], 'LT', at, day .. ':' .. index)
        approved = approved + 1
      else
        cancel_record(k, day, index, field, value, at, ARGV[6], 'not_approved', 'not_approved')
        touched[index] = true
        cancelled = cancelled + 1
      end
    end
  end
end
for index in pairs(touched) do drop_idle_sheet(k, KEYS[7], day, index) end
return {approved, cancelled}
