-- record_visit.lua — one visit, recorded at once: the member's last visit,
-- the bounded history, the cycle and the lapse index, the win-back state, and
-- the cancellation of win-back reminders still waiting to go.
--
-- KEYS[1] the member's visit state (hu:{S}:v:<m>)   KEYS[2] the member hash
-- KEYS[3] wb:lapse   KEYS[4] wb:returned   KEYS[5] wb:lapsed   KEYS[6] wb:reminded
-- KEYS[7] wb:churned   KEYS[8] wb:counts   KEYS[9] the job due set   KEYS[10] job counts
-- KEYS[11] webhook flag (hu:{S}:wh:on)   KEYS[12] webhook events (hu:{S}:wh:events)
-- ARGV[1] member id   ARGV[2] job key prefix   ARGV[3] visit key   ARGV[4] at (Unix s)
-- ARGV[5] its local day number   ARGV[6] its local date   ARGV[7] amount in cents or ""
-- ARGV[8] history kept   ARGV[9] min_visits   ARGV[10] recent_intervals   ARGV[11] factor
-- ARGV[12] floor_days   ARGV[13] default_cycle_days   ARGV[14] reminders per absence
-- ARGV[15] job retention (s)   ARGV[16] now   ARGV[17] n, then n × (tier, cycle days)
-- ARGV[18 + 2n] the value segments' period in months (core/value_segment.h)
-- Returns {outcome, cycle, lapse day, cancelled, member exists (0/1), state,
-- month totals, last visit's day number}:
-- outcome "latest" (the newest visit), "earlier" (history only), "duplicate"
-- (already recorded, or older than every visit kept: nothing changed).
--
-- Month totals ("mo", core/value_segment.h: MonthTotals): the visit is added
-- to its calendar month's count and amount, once (a duplicate returns before),
-- and months older than the period before the newest month kept are dropped.
-- A member whose visits were recorded before "mo" existed has it seeded from
-- her history first (month_totals_of's twin).
--
-- The cycle is core/visit_cycle.cpp's, computed again here so that the index
-- is right the moment the visit lands; the two are tested against each other.
-- A visit on a later day than the last one ends the member's absence (their
-- "episode", named by the last visit's date): its planned win-back jobs
-- winback:<m>:<date>:<1..n> are cancelled, and a member whom a reminder had
-- reached is counted as returned. A second visit on the same day changes no
-- state: the absence is counted in days.
-- Webhooks (webhook_event.lua): message.skipped (reason came_back) for each
-- job cancelled, and member.came_back when a member a reminder had reached
-- returns (state reminded or churned → returned), with the visit and the
-- last win-back message that reached them.
--#guard
--#fence
--#include webhook_event
local v, member = KEYS[1], KEYS[2]
local id, job_prefix, key = ARGV[1], ARGV[2], ARGV[3]
local at, day, date = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local cents = ARGV[7]
local keep, min_visits, recent = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local factor, floor_days, default_cycle = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local max_messages, retention, now = tonumber(ARGV[14]), ARGV[15], ARGV[16]

local n_tiers = tonumber(ARGV[17])
local period_months = tonumber(ARGV[18 + 2 * n_tiers])

-- Months since 1970-01 of a day number (days since 1970-01-01): the civil
-- calendar of core/civil_time.h (H. Hinnant's civil_from_days).
local function month_of_day(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
                          - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return (y - 1970) * 12 + (m - 1)
end

-- "month:visits:cents,..." by month ↔ a table month → {visits, cents}.
local function read_months(text)
  local t = {}
  for m, n, c in string.gmatch(text, '(%d+):(%d+):(%d+)') do
    t[tonumber(m)] = {tonumber(n), tonumber(c)}
  end
  return t
end
local function write_months(t)
  local months = {}
  for m, _ in pairs(t) do months[#months + 1] = m end
  table.sort(months)
  local newest = months[#months]
  local parts = {}
  for _, m in ipairs(months) do
    if m > newest - period_months then
      parts[#parts + 1] = string.format('%d:%d:%d', m, t[m][1], t[m][2])
    end
  end
  return table.concat(parts, ',')
end
local function add_to_months(t, day, amount)
  local m = month_of_day(day)
  local e = t[m] or {0, 0}
  t[m] = {e[1] + 1, e[2] + amount}
end

local function fmt(x)
  if x == math.floor(x) then return string.format('%d', x) end
  return string.format('%.17g', x)
end

local exists = redis.call('EXISTS', member)
local hist = {}
local raw = redis.call('HGET', v, 'hist')
if raw then hist = cjson.decode(raw) end

local function unchanged()
  return {'duplicate', redis.call('HGET', v, 'cycle') or '', tonumber(redis.call('HGET', v, 'lapse') or '0'),
          0, exists, redis.call('HGET', v, 'state') or ''}
end

for _, e in ipairs(hist) do
  if e[3] == key then return unchanged() end
end
local months
do
  local raw_months = redis.call('HGET', v, 'mo')
  if raw_months then
    months = read_months(raw_months)
  else
    months = {}
    for _, e in ipairs(hist) do
      add_to_months(months, e[2], type(e[4]) == 'number' and e[4] or 0)
    end
  end
end
local old_last_day = nil
if #hist > 0 then old_last_day = hist[#hist][2] end

local entry = {at, day, key}
if cents ~= '' then entry[4] = tonumber(cents) end
hist[#hist + 1] = entry
table.sort(hist, function(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[3] < b[3]
end)
while #hist > keep do table.remove(hist, 1) end
local kept = false
for _, e in ipairs(hist) do
  if e[3] == key then kept = true; break end
end
if not kept then return unchanged() end

-- The cycle: the median of the latest intervals between distinct visit days.
local days = {}
for _, e in ipairs(hist) do days[#days + 1] = e[2] end
table.sort(days)
local distinct = {}
for _, d in ipairs(days) do
  if #distinct == 0 or distinct[#distinct] ~= d then distinct[#distinct + 1] = d end
end
local cycle
if #distinct >= min_visits then
  local take = math.min(#distinct, recent + 1)
  local intervals = {}
  for i = #distinct - take + 2, #distinct do intervals[#intervals + 1] = distinct[i] - distinct[i - 1] end
  table.sort(intervals)
  local n = #intervals
  if n % 2 == 1 then cycle = intervals[(n + 1) / 2] else cycle = (intervals[n / 2] + intervals[n / 2 + 1]) / 2 end
else
  cycle = default_cycle
  local tier = redis.call('HGET', member, 'tier')
  for i = 0, n_tiers - 1 do
    if ARGV[18 + 2 * i] == tier then cycle = tonumber(ARGV[19 + 2 * i]) end
  end
end
local last_day = hist[#hist][2]
local lapse = last_day + math.floor(math.max(cycle * factor, floor_days)) + 1

local state = redis.call('HGET', v, 'state') or 'active'
local zsets = {KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]}
local outcome, cancelled = 'earlier', 0
local last = tonumber(redis.call('HGET', v, 'last') or '-1')

if at > last then
  outcome = 'latest'
  redis.call('HSET', v, 'last', string.format('%d', at))
  if old_last_day == nil or day > old_last_day then
    -- A new day: the absence is over.
    local old_date = redis.call('HGET', v, 'last_date')
    local step = tonumber(redis.call('HGET', v, 'step') or '0')
    local reached, reached_by = false, nil
    if old_date then
      for s = 1, max_messages do
        local job_id = 'winback:' .. id .. ':' .. old_date .. ':' .. s
        local job = job_prefix .. job_id
        local job_state = redis.call('HGET', job, 'state')
        if job_state == 'planned' then
          redis.call('HSET', job, 'state', 'cancelled', 'finished_at', now,
                     'error', 'the member came back')
          redis.call('EXPIRE', job, retention)
          redis.call('ZREM', KEYS[9], job_id)
          redis.call('HINCRBY', KEYS[10], 'planned', -1)
          redis.call('HINCRBY', KEYS[10], 'cancelled', 1)
          cancelled = cancelled + 1
          webhook_event(KEYS[11], KEYS[12], 'message.skipped', id, now,
                        {job_id = job_id, kind = 'winback',
                         channel = redis.call('HGET', job, 'channel') or '', reason = 'came_back'})
        elseif job_state == 'dispatched' or job_state == 'sent' or job_state == 'delivered'
            or job_state == 'unknown' then
          reached = true
          reached_by = job_id
        elseif not job_state and s <= step and redis.call('HGET', v, 'msgs') ~= '0' then
          reached = true  -- ended and gone after the retention time: it went out then
          reached_by = job_id
        end
      end
    end
    local new_state = 'active'
    if (state == 'reminded' or state == 'churned') and reached then
      new_state = 'returned'
      redis.call('HINCRBY', KEYS[8], 'returned', 1)
      if cents ~= '' then redis.call('HINCRBY', KEYS[8], 'returned_cents', cents) end
      webhook_event(KEYS[11], KEYS[12], 'member.came_back', id, at,
                    {visited_at = string.format('%d', at), visit_date = date,
                     amount_cents = cents, visit_key = key, absent_since = old_date,
                     message = reached_by or ''})
    elseif state == 'returned' then
      new_state = 'returned'
    end
    for _, z in ipairs(zsets) do redis.call('ZREM', z, id) end
    redis.call('ZADD', KEYS[3], lapse, id)
    if new_state == 'returned' then redis.call('ZADD', KEYS[4], lapse, id) end
    redis.call('HSET', v, 'last_date', date, 'state', new_state, 'step', '0', 'msgs', '0',
               'lapse', string.format('%d', lapse))
    redis.call('HDEL', v, 'next')
    state = new_state
  end
end
if state == 'active' or state == 'returned' then
  -- The cycle may have changed, and with it the lapse day of a member not lapsed.
  redis.call('ZADD', KEYS[3], lapse, id)
  if state == 'returned' then redis.call('ZADD', KEYS[4], lapse, id) end
  redis.call('HSET', v, 'lapse', string.format('%d', lapse))
end
add_to_months(months, day, cents ~= '' and tonumber(cents) or 0)
local months_text = write_months(months)
redis.call('HSET', v, 'cycle', fmt(cycle), 'hist', cjson.encode(hist), 'mo', months_text)
redis.call('HINCRBY', v, 'n', 1)
redis.call('HINCRBY', KEYS[8], 'visits', 1)
return {outcome, fmt(cycle), lapse, cancelled, exists, state, months_text, last_day}
