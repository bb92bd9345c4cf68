-- erase_member.lua — a member's right to erasure: everything of one member of
-- one store, at once (io/member_eraser.h says what the caller found first).
--
-- KEYS[1] the member hash   KEYS[2] the member's visit state   KEYS[3] the consent ledger
-- KEYS[4] due set   KEYS[5] in-flight set   KEYS[6] job counts
-- KEYS[7] fx:touch   KEYS[8] fx:sent
-- KEYS[9..13] wb:lapse, wb:returned, wb:lapsed, wb:reminded, wb:churned
-- KEYS[14..] holdout:<kind> for every kind
-- ARGV[1] member id   ARGV[2] the store's key prefix   ARGV[3] phone   ARGV[4] openid
-- ARGV[5] the ledger's last entry id when the caller scanned it ("" = it was empty)
-- then five counted lists:
--   guard   n, field, expected ...   ("" = absent): the fields the indexes came from
--   index   n, suffix, kind ("s" index | "z" sorted set) ...
--   jobs    n, job id ...            (the member's jobs found by SCAN)
--   touches n, fx:touch entry ...    (found by ZSCAN)
--   ledger  n, entry id ...          (the ledger's entries about the member)
--   records n, day, sheet, field ... (her records in the day sheets, found by HSCAN)
-- Returns {1, jobs, touches, ledger entries deleted, ledger entries rewritten,
-- 1 if visits were kept, records deleted}, {0} when there is no member, {-1} when a guard
-- failed (a concurrent write moved the member's indexes: read and try again).
--
-- The ledger entries are deleted when they are about this member alone (they
-- name the member, or one of its addresses without another member); an
-- import's batch entry naming several members is added again without this
-- one (its `at` kept: the stream id is only the order things arrived) and
-- the old entry deleted. Entries appended after the caller's scan are looked
-- at here. Addresses stay on the opt-out sets: a later import of the same
-- phone must not message someone who refused. Finished jobs keep their
-- counts (statistics, no one in them); planned and dispatched ones count as
-- cancelled. Index, job and open-jobs keys share the store's hash tag.
-- Her records in day sheets (layout 2) are deleted too: a planned one counts
-- as cancelled in the store's and its day's counts, and a sheet left with
-- no planned record leaves the sheet due set; a claimed one (`d`) is its
-- job hash's, deleted above, and is not counted twice.
--#guard
--#fence
--#include record_lib
--#include cancel_record
local id, prefix, phone, openid, last = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local i = 6

-- The next counted list of `width` values an item: its first index and count.
local function list(width)
  local n = tonumber(ARGV[i])
  local first = i + 1
  i = first + width * n
  return first, n
end

if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local g, ng = list(2)
for k = g, g + 2 * ng - 1, 2 do
  if (redis.call('HGET', KEYS[1], ARGV[k]) or '') ~= ARGV[k + 1] then return {-1} end
end
local x, nx = list(2)
for k = x, x + 2 * nx - 1, 2 do
  if ARGV[k + 1] == 'z' then
    redis.call('ZREM', prefix .. ARGV[k], id)
  else
    redis.call('HDEL', prefix .. ARGV[k], id)
  end
end
redis.call('DEL', KEYS[1])
-- Her welcome markers (core/welcome.h): she is forgotten.
redis.call('HDEL', prefix .. 'welcomed', id .. '|sms', id .. '|wechat')

-- Jobs: out of the due and in-flight sets and the open-jobs index, then gone.
local jobs = 0
local j, nj = list(1)
for k = j, j + nj - 1 do
  local job_id = ARGV[k]
  local key = prefix .. 'job:' .. job_id
  local f = redis.call('HMGET', key, 'state', 'channel', 'to', 'expires_at')
  if f[1] then
    redis.call('ZREM', KEYS[4], job_id)
    redis.call('ZREM', KEYS[5], job_id)
    if f[1] == 'planned' or f[1] == 'dispatched' then
      redis.call('HINCRBY', KEYS[6], f[1], -1)
      redis.call('HINCRBY', KEYS[6], 'cancelled', 1)
    end
    if f[3] and f[4] then
      local index, recipient = prefix .. 'open:' .. f[4], f[2] .. ':' .. f[3]
      local ids = redis.call('HGET', index, recipient)
      if ids then
        local keep = {}
        for other in string.gmatch(ids, '%S+') do
          if other ~= job_id then keep[#keep + 1] = other end
        end
        if #keep == 0 then
          redis.call('HDEL', index, recipient)
        else
          redis.call('HSET', index, recipient, table.concat(keep, ' '))
        end
      end
    end
    redis.call('DEL', key)
    jobs = jobs + 1
  end
  redis.call('HDEL', KEYS[8], job_id)
end

local t, nt = list(1)
local touches = 0
for k = t, t + nt - 1 do
  touches = touches + redis.call('ZREM', KEYS[7], ARGV[k])
  redis.call('HDEL', KEYS[8], string.match(ARGV[k], '^[^|]*'))
end

for k = 14, #KEYS do redis.call('HDEL', KEYS[k], id) end

local visits = redis.call('DEL', KEYS[2])
for k = 9, 13 do redis.call('ZREM', KEYS[k], id) end

-- The ledger: the entries the caller found, then those that came after its scan.
local deleted, rewritten = 0, 0
local function erase_entry(entry_id, fields)
  local named, others, about = false, {}, false
  local copy = {}
  for f = 1, #fields, 2 do
    local name, value = fields[f], fields[f + 1]
    if name == 'member' and value == id then about = true end
    if name == 'address' and value ~= '' and (value == phone or value == openid) then
      about = true
    end
    if name == 'members' then
      for m in string.gmatch(value, '%S+') do
        if m == id then named = true else others[#others + 1] = m end
      end
    end
  end
  if not about and not named then return end
  redis.call('XDEL', KEYS[3], entry_id)
  if named and not about and #others > 0 then
    for f = 1, #fields, 2 do
      copy[#copy + 1] = fields[f]
      copy[#copy + 1] = fields[f] == 'members' and table.concat(others, ' ') or fields[f + 1]
    end
    redis.call('XADD', KEYS[3], '*', unpack(copy))
    rewritten = rewritten + 1
  else
    deleted = deleted + 1
  end
end
local l, nl = list(1)
for k = l, l + nl - 1 do
  local e = redis.call('XRANGE', KEYS[3], ARGV[k], ARGV[k])
  if #e == 1 then erase_entry(e[1][1], e[1][2]) end
end

local records = 0
local r, nr = list(3)
local emptied = {}  -- sheets that lost a planned record
for k = r, r + 3 * nr - 1, 3 do
  local day, index, field = ARGV[k], ARGV[k + 1], ARGV[k + 2]
  local sheet = prefix .. 'sheet:' .. day .. ':' .. index
  local value = redis.call('HGET', sheet, field)
  if value and record_member(field) == id then
    redis.call('HDEL', sheet, field)
    if record_flag(value, 'e') then redis.call('HDEL', prefix .. 'notes:' .. day, field) end
    local state = record_state(value)
    if state == 'p' then
      redis.call('HINCRBY', KEYS[6], 'planned', -1)
      redis.call('HINCRBY', KEYS[6], 'cancelled', 1)
      redis.call('HINCRBY', prefix .. 'sheets:' .. day, 'planned', -1)
      redis.call('HINCRBY', prefix .. 'sheets:' .. day, 'cancelled', 1)
      emptied[day .. ':' .. index] = {day, index}
    end
    if state ~= 'd' then records = records + 1 end
  end
end
for _, s in pairs(emptied) do
  drop_idle_sheet({prefix = prefix}, prefix .. 'sheetdue', s[1], s[2])
end
local start = last == '' and '-' or '(' .. last
local tail = redis.call('XRANGE', KEYS[3], start, '+')
for _, e in ipairs(tail) do
  -- a rewritten entry is new here too: it no longer names the member
  erase_entry(e[1], e[2])
end
return {1, jobs, touches, deleted, rewritten, visits, records}
