-- claim_due.lua — take the jobs that are due, check them once more, and mark
-- them dispatched: first the records of the store's due day sheets, then the
-- job hashes of the due set, up to one limit shared by both.
--
-- KEYS[1] due set   KEYS[2] in-flight set   KEYS[3] counts
-- KEYS[4] the store's SMS opt-out set   KEYS[5] its WeChat opt-out set
-- KEYS[6] webhook flag (hu:{S}:wh:on)   KEYS[7] webhook events (hu:{S}:wh:events)
-- KEYS[8] the store's sheet due set (hu:{S}:sheetdue)
-- ARGV[1] now   ARGV[2] limit   ARGV[3] ack deadline   ARGV[4] job key prefix
-- ARGV[5] max attempts   ARGV[6] retention (seconds) for jobs that end here
-- The delivery policy's rules for the store's day (all "" to skip them):
-- ARGV[7] member key prefix   ARGV[8] the store's local day number
-- ARGV[9] SMS open intervals today "begin-end,begin-end" (Unix seconds)
-- ARGV[10] WeChat open intervals   ARGV[11] caps "day week 30days"
-- ARGV[12] cooldowns by kind letter "w3 f0"   ARGV[13] "<caps_apply_to_notices><notices_need_optin>" as 0/1
-- ARGV[14] "1" when the store's jobs need the day's approval (core/day_approval.h),
-- KEYS[9] then that day's approval record (hu:{S}:approved:<date>)
-- ARGV[15] the store's key prefix ("hu:{S}:")   ARGV[16] the store's local
-- date ("YYYY-MM-DD")   ARGV[17] its start   ARGV[18] its end (Unix s): the
-- day of the records. Without the rules no record is claimed (a record's due
-- time counts from its day's start, which only the rules say).
-- Returns { expired, failed, cancelled, deferred, members,
--           id1, {field, value ...}, id2, {...} ... }:
-- each claimed job's hash as it is now, and `members` = { member id,
-- {field, value ...}, ... }, the member hash of each claimed job without
-- text (every job claimed from a record, and a job hash written so: a record
-- retried or handed back), as read here — the scheduler writes their words
-- from it (core/job_render.h). A claimed job without text whose member is
-- not in `members` has no member hash any more.
--
-- A job past its expiry ends `expired` (a greeting is never sent late); one
-- whose provider was called max-attempts times (`calls`, mark_call.lua) ends
-- `failed` — dispatches that never reached a provider call (a push lost with
-- a worker, a hand-back, a deferral) are not attempts: the expiry bounds them. Then what may have changed
-- since planning, for a first dispatch and a retry alike:
--   - the window: outside the channel's open intervals a job waits for the
--     next opening (deferred), or ends `expired` when none is left today;
--   - consent: an address on the opt-out list, or a marketing job whose
--     member no longer agrees (or, on WeChat, is not subscribed), ends
--     `cancelled` (opted_out, no_consent);
--   - caps: the member's contact history (the `ch` field of the member hash,
--     core/contact_history.h — this is check_contact in Lua) must allow one
--     more message, else `cancelled` (capped, cooldown); the dispatch is then
--     recorded in the history and the job marked `reserved`, so a retry of
--     the same job is not counted twice.
--   - approval: for a store that sends only what a person approved
--     (approve_before_send), a job the day's record does not list
--     (approve_day.lua writes "j:<id>") is not claimed: it is due again at
--     its expiry, where it ends `expired` unless approved meanwhile (the
--     approval makes it due at once). This is may_claim() of
--     core/day_approval.h, checked here, in Redis, so it holds for every
--     scheduler replica and across restarts. Counted as deferred.
-- Claimed jobs enter the in-flight set with a deadline: no result by then
-- and they are dispatched again.
--
-- Records (issue 20's day sheets, docs/architecture.md; record_lib.lua is
-- the codec): `sheetdue` names the sheets with a planned record to look at.
-- Each due sheet is read once (HGETALL); its planned records due now go, in
-- due order, through `decide` — the same checks in the same order as a
-- hash, with the day's end as the expiry, and the address the member's
-- *current* phone or openid (her hash read whole: the scheduler needs it for
-- the words anyway). No member hash: cancelled `erased`; no address for the
-- channel: cancelled `no_address`. A sheet of an earlier day than today has
-- only expired records left. A record claimed becomes `d` — "its job hash
-- holds it from here on" — and the claim writes that hash (core/job.h's
-- fields without text; `params` only for the occasions joined into it;
-- `sheet` and `field` say where the record is), so every later step is the
-- hash path of today; plan_records' HSETNX keeps a replan from planning it
-- again, and a `d` record is never claimed again. A record that ends here
-- keeps its end state and reason in the record (no hash). A sheet's changes
-- are one HSET; its new score is the earliest time one of its planned
-- records must be looked at again (its due; the next opening for a closed
-- window; the day's end for one waiting for approval; now for one the limit
-- cut off), and it leaves `sheetdue` when none is left. Counts: the store's
-- (hu:{S}:counts) as for hashes, and the day's (hu:{S}:sheets:<day>) by the
-- records' states (`dispatched` for `d`).
--
-- Webhooks (webhook_event.lua): a job that ends here is message.skipped
-- (reason: expired, opted_out, no_consent, capped, cooldown, erased,
-- no_address) or, out of attempts, message.failed.
--
-- Cost: each job's hash is read once (HGETALL, which is also the reply);
-- the due and in-flight sets and the counts are written once a batch; a
-- sheet is read and written once.
--#guard
--#fence
-- A reshard drains the store (io/lua_script.h): nothing more goes out, so
-- what is in flight only shrinks; results and requeues still run.
if fence_state == 'drain' then return redis.error_reply('FROZEN drain ' .. fence) end
--#include webhook_event
--#include record_lib
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local retention, max_attempts = ARGV[6], tonumber(ARGV[5])
local gated = ARGV[8] ~= nil and ARGV[8] ~= ''
local approval = ARGV[14] == '1'
local prefix, today_date = ARGV[15] or '', ARGV[16] or ''
local day_start, day_end = tonumber(ARGV[17] or ''), tonumber(ARGV[18] or '')
local with_records = gated and prefix ~= '' and day_start ~= nil and day_end ~= nil
-- Members' keys: without the rules, beside the jobs' ("hu:{S}:job:" → "hu:{S}:m:").
local member_prefix = gated and ARGV[7] or (string.sub(ARGV[4], 1, -5) .. 'm:')

local function intervals(text)
  local out = {}
  for b, e in string.gmatch(text or '', '(%d+)%-(%d+)') do
    out[#out + 1] = {tonumber(b), tonumber(e)}
  end
  return out
end
local open, caps, cooldown, today = {}, {}, {}, 0
local notices_capped, notices_need_optin = false, false
if gated then
  open = {sms = intervals(ARGV[9]), wechat = intervals(ARGV[10])}
  for n in string.gmatch(ARGV[11], '%d+') do caps[#caps + 1] = tonumber(n) end
  for k, n in string.gmatch(ARGV[12], '(%a)(%d+)') do cooldown[k] = tonumber(n) end
  notices_capped = string.sub(ARGV[13], 1, 1) == '1'
  notices_need_optin = string.sub(ARGV[13], 2, 2) == '1'
  today = tonumber(ARGV[8])
end
local letters = {birthday = 'b', child_birthday = 'c', festival = 'f', card_expiry = 'e',
                 winback = 'w', points = 'p', welcome = 'n', announcement = 'a'}

-- The first instant at or after t that the intervals are open, or nil.
local function next_open(list, t)
  for _, i in ipairs(list) do
    if t < i[2] then return math.max(t, i[1]) end
  end
  return nil
end

-- check_contact (core/contact_history.cpp): nil when one more may go.
local function check(history, letter)
  local on_day, week, month, last_other = 0, 0, 0, nil
  for day, k in string.gmatch(history, '(%d+)(%a)') do
    day = tonumber(day)
    if day <= today then
      local ago = today - day
      if ago == 0 then on_day = on_day + 1 end
      if ago < 7 then week = week + 1 end
      if ago < 30 then month = month + 1 end
      if k ~= letter and (not last_other or day > last_other) then last_other = day end
    end
  end
  local n = cooldown[letter] or 0
  if n > 0 and last_other and today - last_other < n then return 'cooldown' end
  if on_day >= caps[1] then return 'capped' end
  if (letter ~= 'e' and letter ~= 'p') or notices_capped then  -- service notices: is_service_notice
    if week >= caps[2] or month >= caps[3] then return 'capped' end
  end
  return nil
end

-- with_contact: today's message added, what is 30 days old dropped.
local function with_contact(history, letter)
  local kept = {}
  for entry in string.gmatch(history, '%S+') do
    local day = tonumber(string.match(entry, '^(%d+)'))
    if day and today - day < 30 then kept[#kept + 1] = entry end
  end
  kept[#kept + 1] = today .. letter
  return table.concat(kept, ' ')
end

-- Members read whole, once a call (false: no hash); `members_read` keeps
-- each as HGETALL answered, for the reply.
local members, members_read = {}, {}
local function member_whole(id)
  local m = members[id]
  if m == nil then
    local flat = redis.call('HGETALL', member_prefix .. id)
    m = false
    if #flat > 0 then
      m = {}
      for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
      members_read[id] = flat
    end
    members[id] = m
  end
  return m
end

-- The checks of a job due now, for a job hash and a record alike, in this
-- order. `j`: id, member, kind, channel, to (nil for a record: the member's
-- current address), marketing ('0' or '1'), expires (Unix s; 0: none),
-- calls, reserved (the history counts it already), whole (read the member
-- whole), record (a record: its member must exist and have an address).
-- Returns the verdict and its details:
--   'claim', reserved now (the history counts it from here), the address
--   'expired', 'expired' | 'no_window'
--   'failed', the calls made
--   'deferred', when to look again
--   'cancelled', the reason
local function decide(j)
  if j.expires > 0 and now >= j.expires then return 'expired', 'expired' end
  if j.calls >= max_attempts then return 'failed', j.calls end
  if approval and redis.call('HEXISTS', KEYS[9], 'j:' .. j.id) == 0 then
    return 'deferred', j.expires > 0 and j.expires or now + 300
  end
  if not gated then return 'claim', false, j.to end
  local opening = next_open(open[j.channel] or {}, now)
  if opening ~= now then
    if opening and (j.expires == 0 or opening < j.expires) then return 'deferred', opening end
    return 'expired', 'no_window'
  end
  local mkey = member_prefix .. (j.member or '')
  local to, optin, subscribed, history, exists = j.to, nil, nil, nil, false
  local m = nil
  if j.whole then
    m = member_whole(j.member or '')
    if m then
      optin, subscribed, history, exists = m[j.channel .. '_optin'], m.wechat_sub, m.ch, true
    elseif j.record then
      return 'cancelled', 'erased'
    end
    if j.record then
      to = j.channel == 'wechat' and m.openid or m.phone
      if not to or to == '' then return 'cancelled', 'no_address' end
    end
  else
    -- Both opt-in fields are always written with a member: either one
    -- present says the member exists, without an EXISTS.
    local f = redis.call('HMGET', mkey, j.channel .. '_optin', 'wechat_sub', 'ch', 'sms_optin',
                         'wechat_optin')
    optin, subscribed, history, exists = f[1], f[2], f[3], (f[4] or f[5]) and true or false
  end
  local suppression = j.channel == 'wechat' and KEYS[5] or KEYS[4]
  if to and redis.call('SISMEMBER', suppression, to) == 1 then return 'cancelled', 'opted_out' end
  if (j.marketing ~= '0' or notices_need_optin) and
     (optin ~= '1' or (j.marketing ~= '0' and j.channel == 'wechat' and subscribed ~= '1')) then
    return 'cancelled', 'no_consent'
  end
  if j.reserved then return 'claim', false, to end
  -- A welcome: outside the caps and the history (check_contact, core/welcome.h).
  if j.kind == 'welcome' then return 'claim', false, to end
  local letter = letters[j.kind] or '?'
  local why = check(history or '', letter)
  if why then return 'cancelled', why end
  if exists or redis.call('EXISTS', mkey) == 1 then
    local contacts = with_contact(history or '', letter)
    redis.call('HSET', mkey, 'ch', contacts)
    if m then m.ch = contacts end
  end
  return 'claim', true, to
end

-- Batched writes: one ZADD into the in-flight set, one HINCRBY per state
-- whose count changed (in slices: unpack is bounded).
local function each_slice(list, step, fn)
  for i = 1, #list, step do fn(unpack(list, i, math.min(i + step - 1, #list))) end
end
local claimed_members = {}
local out = {0, 0, 0, 0, {}}
local counts, inflight, day_counts = {}, {}, {}
local function count(state, n) counts[state] = (counts[state] or 0) + n end
local function count_day(day, state, n)
  day_counts[day] = day_counts[day] or {}
  day_counts[day][state] = (day_counts[day][state] or 0) + n
end
local ended_slot = {expired = 1, failed = 2, cancelled = 3}
local no_window_text = 'no send window left today'

-- A job that ended here: counted, and reported to webhooks.
local function ended(new_state, detail, id, member, kind, channel)
  count('planned', -1)
  count(new_state, 1)
  out[ended_slot[new_state]] = out[ended_slot[new_state]] + 1
  local event = {job_id = id, kind = kind or '', channel = channel or ''}
  if new_state == 'failed' then
    event.error = detail
    webhook_event(KEYS[6], KEYS[7], 'message.failed', member, now, event)
  else
    event.reason = new_state == 'expired' and 'expired' or detail
    if new_state == 'expired' and detail then event.detail = detail end
    webhook_event(KEYS[6], KEYS[7], 'message.skipped', member, now, event)
  end
end

local function attempts_text(calls)
  return 'the provider was called ' .. calls .. ' times without success'
end

local budget = limit

-- The records of the due sheets.
local function claim_sheet(name, day)
  local sheet_key = prefix .. 'sheet:' .. name
  local earlier = day < today_date
  local flat = redis.call('HGETALL', sheet_key)
  local due, next_look = {}, nil
  local function look(t)
    if not next_look or t < next_look then next_look = t end
  end
  for i = 1, #flat, 2 do
    local value = flat[i + 1]
    local offset = record_state(value) == 'p' and record_due(value)
    if offset then
      local t = day_start + offset
      if earlier or t <= now then
        due[#due + 1] = {t = t, field = flat[i], value = value}
      else
        look(t)
      end
    end
  end
  table.sort(due, function(a, b)
    if a.t ~= b.t then return a.t < b.t end
    return a.field < b.field
  end)
  local changes = {}
  local function change(field, value)
    changes[#changes + 1] = field
    changes[#changes + 1] = value
  end
  for _, r in ipairs(due) do
    local kind, member, occasion, detail = record_parts(r.field, day)
    if not kind then
      -- A damaged field: left as it is, never claimed.
    elseif budget <= 0 then
      look(math.min(r.t, now))  -- cut by the limit: still due
    else
      budget = budget - 1
      local value = r.value
      local id = kind .. ':' .. member .. ':' .. occasion .. (detail and ':' .. detail or '')
      local channel = record_channel(value)
      local j = {id = id, member = member, kind = kind, channel = channel,
                 marketing = record_marketing(value),
                 expires = earlier and day_start or day_end,
                 calls = tonumber(record_extra(value, 'a') or '0') or 0,
                 reserved = record_flag(value, 'R'), whole = true, record = true}
      local verdict, a, to = decide(j)
      if verdict == 'claim' then
        change(r.field, record_with_state(value, 'd'))
        local hash = {'kind', kind, 'member', member, 'occasion', occasion,
                      'marketing', j.marketing, 'channel', channel, 'to', to,
                      'due_at', string.format('%d', r.t), 'expires_at', string.format('%d', day_end),
                      'state', 'dispatched', 'attempts', '1', 'dispatched_at', ARGV[1],
                      'created_at', ARGV[1], 'sheet', name, 'field', r.field}
        local function put(f, v)
          hash[#hash + 1] = f
          hash[#hash + 1] = v
        end
        if a or j.reserved then put('reserved', '1') end
        if j.calls > 0 then put('calls', tostring(j.calls)) end
        local unsure = record_from_base36(record_extra(value, 'u'))
        if unsure then put('unsure_at', string.format('%d', day_start + unsure)) end
        local merged = record_merged_ids(value, day)
        if merged ~= '' then put('params', cjson.encode({merged = merged})) end
        redis.call('HSET', prefix .. 'job:' .. id, unpack(hash))
        inflight[#inflight + 1] = ARGV[3]
        inflight[#inflight + 1] = id
        count('planned', -1)
        count('dispatched', 1)
        count_day(day, 'planned', -1)
        count_day(day, 'dispatched', 1)
        claimed_members[member] = true
        out[#out + 1] = id
        out[#out + 1] = hash
      elseif verdict == 'deferred' then
        look(a)
        out[4] = out[4] + 1
      else
        local letter, reason, detail_text = 'c', a, a
        if verdict == 'expired' then
          letter = 'x'
          detail_text = a == 'no_window' and no_window_text or nil
        elseif verdict == 'failed' then
          letter, reason, detail_text = 'f', 'attempts', attempts_text(a)
        end
        change(r.field, record_with_state(value, letter, reason))
        ended(verdict, detail_text, id, member, kind, channel)
        count_day(day, 'planned', -1)
        count_day(day, verdict, 1)
      end
    end
  end
  each_slice(changes, 1000, function(...) redis.call('HSET', sheet_key, ...) end)
  return next_look
end

if with_records then
  local names = redis.call('ZRANGEBYSCORE', KEYS[8], '-inf', now, 'LIMIT', 0, limit)
  local scores, gone = {}, {}
  for _, name in ipairs(names) do
    if budget <= 0 then break end
    local day = string.match(name, '^(%d%d%d%d%-%d%d%-%d%d):%d+$')
    local next_look = nil
    if not day then
      next_look = nil  -- not a sheet's name: it leaves
    elseif day > today_date then
      next_look = day_end  -- a later day (the zone changed?): looked at on its day
    else
      next_look = claim_sheet(name, day)
    end
    if next_look then
      scores[#scores + 1] = string.format('%d', next_look)
      scores[#scores + 1] = name
    else
      gone[#gone + 1] = name
    end
  end
  each_slice(scores, 1000, function(...) redis.call('ZADD', KEYS[8], ...) end)
  each_slice(gone, 1000, function(...) redis.call('ZREM', KEYS[8], ...) end)
end

-- Then the job hashes.
local ids = {}
if budget > 0 then
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, budget)
  each_slice(ids, 1000, function(...) redis.call('ZREM', KEYS[1], ...) end)
end

local function finish(key, new_state, err)
  if err then
    redis.call('HSET', key, 'state', new_state, 'finished_at', now, 'error', err)
  else
    redis.call('HSET', key, 'state', new_state, 'finished_at', now)
  end
  redis.call('EXPIRE', key, retention)
end

for _, id in ipairs(ids) do
  local key = ARGV[4] .. id
  -- The job's fields, read once: the checks use them, and the reply is
  -- them with this dispatch's changes.
  local flat = redis.call('HGETALL', key)
  local job, at = {}, {}
  for i = 1, #flat, 2 do
    job[flat[i]] = flat[i + 1]
    at[flat[i]] = i + 1
  end
  if job.state == 'planned' then
    local textless = (job.text or '') == ''
    local j = {id = id, member = job.member, kind = job.kind, channel = job.channel, to = job.to,
               marketing = job.marketing, expires = tonumber(job.expires_at or '0'),
               calls = tonumber(job.calls or '0'), reserved = job.reserved == '1',
               whole = textless, record = false}
    local verdict, a = decide(j)
    if verdict == 'claim' then
      local changes = {state = 'dispatched', attempts = tostring(tonumber(job.attempts or '0') + 1),
                       dispatched_at = ARGV[1]}
      if a then changes.reserved = '1' end
      local args = {}
      for field, value in pairs(changes) do
        args[#args + 1] = field
        args[#args + 1] = value
        if at[field] then
          flat[at[field]] = value
        else
          flat[#flat + 1] = field
          flat[#flat + 1] = value
        end
      end
      redis.call('HSET', key, unpack(args))
      inflight[#inflight + 1] = ARGV[3]
      inflight[#inflight + 1] = id
      count('planned', -1)
      count('dispatched', 1)
      if textless and job.member then claimed_members[job.member] = true end
      out[#out + 1] = id
      out[#out + 1] = flat
    elseif verdict == 'deferred' then
      redis.call('ZADD', KEYS[1], a, id)
      out[4] = out[4] + 1
    else
      local err = a
      if verdict == 'expired' then
        err = a == 'no_window' and no_window_text or nil
      elseif verdict == 'failed' then
        err = attempts_text(a)
      end
      finish(key, verdict, err)
      ended(verdict, err, id, job.member, job.kind, job.channel)
    end
  end
end

each_slice(inflight, 1000, function(...) redis.call('ZADD', KEYS[2], ...) end)
for state, n in pairs(counts) do
  if n ~= 0 then redis.call('HINCRBY', KEYS[3], state, n) end
end
for day, states in pairs(day_counts) do
  for state, n in pairs(states) do
    if n ~= 0 then redis.call('HINCRBY', prefix .. 'sheets:' .. day, state, n) end
  end
end
-- The member hashes of the claimed jobs without text, for their words.
for id in pairs(claimed_members) do
  if members[id] == nil then member_whole(id) end
  if members_read[id] then
    out[5][#out[5] + 1] = id
    out[5][#out[5] + 1] = members_read[id]
  end
end
return out
