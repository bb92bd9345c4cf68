-- plan_records.lua — planned jobs of one store-day as records of the day's
-- sheets (issue 20's job store: docs/architecture.md, "day sheets";
-- core/job_record.h is the codec), each unless its record exists
-- (idempotent planning).
--
-- KEYS[1] the day's sheets hash (hu:{S}:sheets:<day>)   KEYS[2] the store's
-- sheet due set (hu:{S}:sheetdue)   KEYS[3] the store's counts
-- ARGV[1] the store's key prefix ("hu:{toyland}:")   ARGV[2] the due day
-- ("YYYY-MM-DD")
-- then 6 values a job: its sheet (0..n-1, from the day's `n`: sheet_of),
-- its record's field and value, its due time (Unix s; "" for a held job:
-- never due), its occasion date ("YYYY-MM-DD"), and its holdout record
-- "<kind> <record>" or "".
-- Returns how many records were created.
--
-- The day's sheet count `n` is fixed before (SheetStore::sheets_for_day),
-- so every planner puts a member's records in the same sheet. A sheet is
-- due at the earliest due time of its planned records: one ZADD LT per
-- sheet a call, so a sheet that is due earlier already keeps its score.
-- The due day joins hu:{S}:days:<occasion date>: how a job id finds its
-- day when lead days changed since. Expiry is set once for all the day's
-- sheets when the day is planned (SheetStore::expire_day), not a command a
-- record.
--
-- A reminder by steps (card expiry `e`, points `p`: core/occasion.h) names
-- the same job on every day of its step's span, so that a member imported
-- late is caught up once. A day's sheet is idempotent only within its day:
-- a record is not made again when its job already has a hash (claimed on
-- an earlier day of the span), as create_job's EXISTS keeps it once on the
-- hashes layout. One EXISTS for such a record only: a festival pays nothing.
--#guard
--#fence
--#include record_lib
local prefix, day = ARGV[1], ARGV[2]
local stepped = {e = true, p = true}
local sheet_prefix = prefix .. 'sheet:' .. day .. ':'
local due = {}       -- sheet → earliest due of the records created in it
local days = {}      -- occasion dates seen
local created, held = 0, 0
for i = 3, #ARGV, 6 do
  local sheet, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local due_at, occasion, holdout = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local went = false
  if stepped[string.sub(field, 1, 1)] then
    local id = record_job_id(field, day)
    went = id ~= nil and redis.call('EXISTS', prefix .. 'job:' .. id) == 1
  end
  if not went and redis.call('HSETNX', sheet_prefix .. sheet, field, value) == 1 then
    if due_at == '' then
      held = held + 1
    else
      created = created + 1
      local t = tonumber(due_at)
      if not due[sheet] or t < due[sheet] then due[sheet] = t end
    end
    days[occasion] = true
    if holdout ~= '' then
      local kind, record = string.match(holdout, '^(%S+) (.+)$')
      redis.call('HSET', prefix .. 'holdout:' .. kind, string.match(field, '^.([^:@]+)'), record)
    end
  end
end
local scores = {}
for sheet, t in pairs(due) do
  scores[#scores + 1] = t
  scores[#scores + 1] = day .. ':' .. sheet
  if #scores >= 1000 then
    redis.call('ZADD', KEYS[2], 'LT', unpack(scores))
    scores = {}
  end
end
if #scores > 0 then redis.call('ZADD', KEYS[2], 'LT', unpack(scores)) end
for occasion in pairs(days) do
  redis.call('SADD', prefix .. 'days:' .. occasion, day)
end
if created > 0 then
  redis.call('HINCRBY', KEYS[1], 'planned', created)
  redis.call('HINCRBY', KEYS[3], 'planned', created)
end
if held > 0 then
  redis.call('HINCRBY', KEYS[1], 'held', held)
  redis.call('HINCRBY', KEYS[3], 'held', held)
end
return created + held
