-- migrate_records.lua — the records of today's layout-1 jobs, so a store can
-- change to day sheets (io/job_migration.h) without planning anything twice.
--
-- KEYS[1] the store's layout key, hu:{S}:jobs:v (not used here: it names the
-- store's slot, so a Redis Cluster runs the script where the store lives)
-- ARGV[1] the store's key prefix ("hu:{toyland}:")   ARGV[2] the due day
-- ("YYYY-MM-DD")
-- then 5 values a job: its id, its sheet (0..n-1), its record's field and
-- value (state `d`: "its hash holds it"), its occasion date.
-- Returns how many records were written.
--
-- A record is written only while the job's hash exists (a job erased or
-- expired meanwhile leaves nothing) and only when the field is new
-- (HSETNX). It is never due (no sheetdue entry) and never counted: the
-- job was counted when layout 1 created it, and its hash goes on as it was.
--#guard
local prefix, day = ARGV[1], ARGV[2]
local written = 0
local days = {}
for i = 3, #ARGV, 5 do
  local id, sheet, field, value, occasion = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
                                            ARGV[i + 4]
  if redis.call('EXISTS', prefix .. 'job:' .. id) == 1 then
    written = written +
              redis.call('HSETNX', prefix .. 'sheet:' .. day .. ':' .. sheet, field, value)
    days[occasion] = true
  end
end
for occasion in pairs(days) do
  redis.call('SADD', prefix .. 'days:' .. occasion, day)
end
return written
