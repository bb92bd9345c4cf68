-- build_care_day.lua — a store's care list for one day, written once
-- (io/care_store.h).
--
-- KEYS[1] the day's list (hu:{S}:care:<YYYY-MM-DD>)
-- ARGV[1] when the key expires (Unix s)   ARGV[2] when it was built (Unix s)
-- then member id, entry ... (the entries as core/care_list.h encodes them)
-- Returns 1 when written, 0 when the day had its list already: built once,
-- so a replan, a second replica or a restart never changes a list the staff
-- are working through. The field "~built" marks a list, also an empty one.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {'~built', ARGV[2]}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1
