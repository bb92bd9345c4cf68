-- create_job.lua — create a planned job unless its id exists (idempotent planning).
--
-- KEYS[1] the job hash   KEYS[2] the store's due set   KEYS[3] the store's counts
-- ARGV[1] job id   ARGV[2] due_at (Unix seconds)   ARGV[3..] field, value ...
-- Returns 1 when created, 0 when the job already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'planned', 1)
return 1
