-- mark_care.lua — the staff's word on one care call of a day's list
-- (io/care_store.h, core/care_list.h).
--
-- KEYS[1] the day's list   KEYS[2] the member's hash
-- ARGV[1] member id   ARGV[2] the new entry (state, note, by, at encoded)
-- ARGV[3] the state ("done", "no_answer", "stop")   ARGV[4] the list's day number
-- Returns "ok", or why not: "not_listed" (no such entry on that day's list),
-- "final:<state>" (already done or stopped: a mark is not taken back),
-- "no_member" (her hash is gone: erased).
--
-- "done" counts as a contact, atomically with the mark: her contact history
-- `ch` gets "<day>k" (a care call, core/contact_history.h; entries 30 days
-- old dropped) and her care-call days `cc` get the day (days over 400 days
-- old dropped), so the message caps and cooldowns and the care rule see it.
-- "stop" sets `cn` = 1: no care call again. "no_answer" only marks the list:
-- she stays due and comes back on a later day of her period.
--#fence
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 'not_listed' end
local state = string.match(old, '^(%a+)')
if state == 'done' or state == 'stop' then return 'final:' .. state end
if redis.call('EXISTS', KEYS[2]) == 0 then return 'no_member' end
local day = tonumber(ARGV[4])
if ARGV[3] == 'done' then
  local kept = {}
  for entry in string.gmatch(redis.call('HGET', KEYS[2], 'ch') or '', '%S+') do
    local d = tonumber(string.match(entry, '^(%d+)'))
    if d and day - d < 30 then kept[#kept + 1] = entry end
  end
  kept[#kept + 1] = day .. 'k'
  redis.call('HSET', KEYS[2], 'ch', table.concat(kept, ' '))
  local days, seen = {}, false
  for d in string.gmatch(redis.call('HGET', KEYS[2], 'cc') or '', '%d+') do
    local n = tonumber(d)
    if day - n <= 400 then days[#days + 1] = n end
    if n == day then seen = true end
  end
  if not seen then days[#days + 1] = day end
  table.sort(days)
  redis.call('HSET', KEYS[2], 'cc', table.concat(days, ','))
elseif ARGV[3] == 'stop' then
  redis.call('HSET', KEYS[2], 'cn', '1')
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 'ok'
