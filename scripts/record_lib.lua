-- record_lib.lua — a job record of a day sheet, read and changed in Lua
-- (included by the scripts that touch records: `--#include record_lib`).
--
-- core/job_record.h is the codec; this is the part of it the scripts need,
-- and tests/integration/record_lib_test.cpp proves the two agree (ids
-- rebuilt from fields, states and reasons written, dues read). A record:
--   field  "<kind letter><member>[:<detail>][@<days after the due day>]"
--   value  "<state><channel><marketing><parts>/<due b36>[/<extra>...]",
--          extras t<sent> r<reason code> e m<fields> a<calls> u<unsure> R,
--          in any order; times in seconds after the due day's start, base 36.
-- Only locals: Redis refuses a script that makes a global.

local record_kind_of_letter = {b = 'birthday', c = 'child_birthday', f = 'festival',
                               e = 'card_expiry', w = 'winback', p = 'points',
                               n = 'welcome',
                               a = 'announcement'}
local record_reason_codes = {opted_out = 'oo', no_consent = 'nc', capped = 'ca',
                             cooldown = 'cd', no_window = 'nw', held_by_staff = 'hs',
                             not_approved = 'na', erased = 'er', attempts = 'at',
                             expired = 'ex', no_address = 'ad'}

-- Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
local function record_days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function record_civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) -
                          math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

-- "YYYY-MM-DD" plus n days.
local function record_add_days(day, n)
  if n == 0 then return day end
  local y, m, d = string.match(day, '^(%d+)-(%d+)-(%d+)$')
  local z = record_days_from_civil(tonumber(y), tonumber(m), tonumber(d)) + n
  y, m, d = record_civil_from_days(z)
  return string.format('%04d-%02d-%02d', y, m, d)
end

-- The member of a field ("fT0001:mid_autumn@3" → "T0001").
local function record_member(field)
  return string.match(field, '^.([^:@]+)')
end

-- The parts of the job id of the record `field` of a sheet of `day`
-- ("YYYY-MM-DD"): kind, member, occasion date ("YYYY-MM-DD"), detail (or
-- nil); nil for a field that is not one.
local function record_parts(field, day)
  local kind = record_kind_of_letter[string.sub(field, 1, 1)]
  if not kind then return nil end
  local rest, days = string.match(field, '^(.-)@(%-?%d+)$')
  if not rest then rest, days = field, '0' end
  local member, detail = string.match(rest, '^.([^:@]+):([^:@]+)$')
  if not member then
    member = string.match(rest, '^.([^:@]+)$')
    if not member then return nil end
  end
  return kind, member, record_add_days(day, tonumber(days)), detail
end

-- The job id of the record `field` of a sheet of `day` ("YYYY-MM-DD"), or
-- nil for a field that is not one.
local function record_job_id(field, day)
  local kind, member, occasion, detail = record_parts(field, day)
  if not kind then return nil end
  local id = kind .. ':' .. member .. ':' .. occasion
  if detail then id = id .. ':' .. detail end
  return id
end

-- A non-negative integer in base 36, and back (nil: not base 36).
local function record_base36(n)
  n = math.floor(n)
  if n <= 0 then return '0' end
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local out = ''
  while n > 0 do
    local k = n % 36
    out = string.sub(digits, k + 1, k + 1) .. out
    n = (n - k) / 36
  end
  return out
end

local function record_from_base36(text)
  if not text or text == '' then return nil end
  local n = 0
  for i = 1, #text do
    local c = string.byte(text, i)
    local k
    if c >= 48 and c <= 57 then k = c - 48
    elseif c >= 97 and c <= 122 then k = c - 87
    else return nil end
    n = n * 36 + k
  end
  return n
end

-- The state letter (p d s D f x c u h), the channel ('sms' or 'wechat'),
-- whether it is marketing ('1' or '0').
local function record_state(value) return string.sub(value, 1, 1) end
local function record_channel(value)
  return string.sub(value, 2, 2) == 'w' and 'wechat' or 'sms'
end
local function record_marketing(value) return string.sub(value, 3, 3) end

-- The due time, seconds after the due day's start (nil: damaged).
local function record_due(value)
  return record_from_base36(string.match(value, '^....%/([0-9a-z]+)'))
end

-- An extra's payload ("m", "a", "u", "t", "r"), or nil; `record_flag` for
-- the extras without one ("R", "e"). Looked for after the due time only:
-- a due is base 36 and may begin with any of those letters ("m80" is 08:00).
local function record_extras(value)
  return string.match(value, '^....%/[0-9a-z]+(.*)$') or ''
end
local function record_extra(value, letter)
  return string.match(record_extras(value), '/' .. letter .. '([^/]+)')
end
local function record_flag(value, letter)
  return string.find(record_extras(value) .. '/', '/' .. letter .. '/', 1, true) ~= nil
end

-- The value with state `letter` and, when `reason` is one of the record
-- reasons, its code (a record ends with at most one reason).
local function record_with_state(value, letter, reason)
  local out = letter .. string.sub(value, 2)
  local code = reason and record_reason_codes[reason]
  if code and not record_extra(out, 'r') then out = out .. '/r' .. code end
  return out
end

-- The job ids of the occasions joined into a record (its m<fields>, the
-- fields comma-separated), space-separated as planning writes
-- params["merged"]; '' when none.
local function record_merged_ids(value, day)
  local fields = record_extra(value, 'm')
  if not fields then return '' end
  local ids = {}
  for field in string.gmatch(fields, '[^,]+') do
    ids[#ids + 1] = record_job_id(field, day) or field
  end
  return table.concat(ids, ' ')
end
