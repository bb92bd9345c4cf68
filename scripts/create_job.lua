-- create_job.lua — create a planned job unless its id exists (idempotent planning).
--
-- KEYS[1] the job hash   KEYS[2] the store's due set   KEYS[3] the store's counts
-- KEYS[4] the open-jobs index of the job's day (hu:{S}:open:<expires_at>)
-- ARGV[1] job id   ARGV[2] due_at (Unix seconds)   ARGV[3] the index field,
-- "<channel>:<address>"   ARGV[4] when the index may go (Unix seconds)
-- ARGV[5..] field, value ...
-- Returns 1 when created, 0 when the job already existed.
--
-- The index lists the day's jobs by recipient, so an opt-out finds the jobs
-- it must cancel at once (record_consent.lua) without scanning. It only
-- lives for its day and a margin: a job can no longer go after its expiry.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'planned', 1)
if ARGV[3] ~= '' then
  local ids = redis.call('HGET', KEYS[4], ARGV[3])
  redis.call('HSET', KEYS[4], ARGV[3], ids and (ids .. ' ' .. ARGV[1]) or ARGV[1])
  redis.call('EXPIREAT', KEYS[4], ARGV[4])
end
return 1
