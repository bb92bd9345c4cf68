-- claim_due.lua — take the jobs that are due, check them once more, and mark
-- them dispatched.
--
-- KEYS[1] due set   KEYS[2] in-flight set   KEYS[3] counts
-- KEYS[4] the store's SMS opt-out set   KEYS[5] its WeChat opt-out set
-- KEYS[6] webhook flag (hu:{S}:wh:on)   KEYS[7] webhook events (hu:{S}:wh:events)
-- ARGV[1] now   ARGV[2] limit   ARGV[3] ack deadline   ARGV[4] job key prefix
-- ARGV[5] max attempts   ARGV[6] retention (seconds) for jobs that end here
-- The delivery policy's rules for the store's day (all "" to skip them):
-- ARGV[7] member key prefix   ARGV[8] the store's local day number
-- ARGV[9] SMS open intervals today "begin-end,begin-end" (Unix seconds)
-- ARGV[10] WeChat open intervals   ARGV[11] caps "day week 30days"
-- ARGV[12] cooldowns by kind letter "w3 f0"   ARGV[13] "<caps_apply_to_notices><notices_need_optin>" as 0/1
-- ARGV[14] "1" when the store's jobs need the day's approval (core/day_approval.h),
-- KEYS[8] then that day's approval record (hu:{S}:approved:<date>)
-- Returns { expired, failed, cancelled, deferred, id1, {field, value ...}, id2, {...} ... }.
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
-- Webhooks (webhook_event.lua): a job that ends here is message.skipped
-- (reason: expired, opted_out, no_consent, capped, cooldown) or, out of
-- attempts, message.failed.
--
-- Cost: each job's hash is read once (HGETALL, which is also the reply);
-- the due and in-flight sets and the counts are written once a batch.
--#include webhook_event
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local retention = ARGV[6]
local gated = ARGV[8] ~= nil and ARGV[8] ~= ''
local approval = ARGV[14] == '1'

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
                 winback = 'w'}

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
  if letter ~= 'e' or notices_capped then
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

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
local out = {0, 0, 0, 0}
if #ids == 0 then return out end
-- Batched writes: one ZREM of the claimed ids, one ZADD into the in-flight
-- set, one HINCRBY per state whose count changed (in slices: unpack is bounded).
local function each_slice(list, step, fn)
  for i = 1, #list, step do fn(unpack(list, i, math.min(i + step - 1, #list))) end
end
each_slice(ids, 1000, function(...) redis.call('ZREM', KEYS[1], ...) end)
local counts, inflight = {}, {}
local function count(state, n) counts[state] = (counts[state] or 0) + n end

local function finish(key, new_state, err, id, job)
  if err then
    redis.call('HSET', key, 'state', new_state, 'finished_at', now, 'error', err)
  else
    redis.call('HSET', key, 'state', new_state, 'finished_at', now)
  end
  redis.call('EXPIRE', key, retention)
  count('planned', -1)
  count(new_state, 1)
  local event = {job_id = id, kind = job.kind or '', channel = job.channel or ''}
  if new_state == 'failed' then
    event.error = err
    webhook_event(KEYS[6], KEYS[7], 'message.failed', job.member, now, event)
  else
    event.reason = new_state == 'expired' and 'expired' or err
    if new_state == 'expired' and err then event.detail = err end
    webhook_event(KEYS[6], KEYS[7], 'message.skipped', job.member, now, event)
  end
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
    local expires = tonumber(job.expires_at or '0')
    local attempts = tonumber(job.attempts or '0')
    local calls = tonumber(job.calls or '0')
    local held, reserve = false, false
    if expires > 0 and now >= expires then
      finish(key, 'expired', nil, id, job)
      out[1] = out[1] + 1
      held = true
    elseif calls >= tonumber(ARGV[5]) then
      finish(key, 'failed', 'the provider was called ' .. calls .. ' times without success',
             id, job)
      out[2] = out[2] + 1
      held = true
    elseif approval and redis.call('HEXISTS', KEYS[8], 'j:' .. id) == 0 then
      held = true
      redis.call('ZADD', KEYS[1], expires > 0 and expires or now + 300, id)
      out[4] = out[4] + 1
    elseif gated then
      local channel, to, marketing = job.channel, job.to, job.marketing
      local member, kind, reserved = job.member, job.kind, job.reserved
      local opening = next_open(open[channel] or {}, now)
      if opening ~= now then
        held = true
        if opening and (expires == 0 or opening < expires) then
          redis.call('ZADD', KEYS[1], opening, id)
          out[4] = out[4] + 1
        else
          finish(key, 'expired', 'no send window left today', id, job)
          out[1] = out[1] + 1
        end
      else
        local suppression = channel == 'wechat' and KEYS[5] or KEYS[4]
        local mkey = ARGV[7] .. (member or '')
        -- Both opt-in fields are always written with a member: either one
        -- present says the member exists, without an EXISTS.
        local m = redis.call('HMGET', mkey, channel .. '_optin', 'wechat_sub', 'ch', 'sms_optin',
                             'wechat_optin')
        local why = nil
        if to and redis.call('SISMEMBER', suppression, to) == 1 then
          why = 'opted_out'
        elseif (marketing ~= '0' or notices_need_optin) and
               (m[1] ~= '1' or (marketing ~= '0' and channel == 'wechat' and m[2] ~= '1')) then
          why = 'no_consent'
        elseif reserved ~= '1' then
          local letter = letters[kind] or '?'
          why = check(m[3] or '', letter)
          if not why then
            if m[4] or m[5] or redis.call('EXISTS', mkey) == 1 then
              redis.call('HSET', mkey, 'ch', with_contact(m[3] or '', letter))
            end
            reserve = true
          end
        end
        if why then
          finish(key, 'cancelled', why, id, job)
          out[3] = out[3] + 1
          held = true
        end
      end
    end
    if not held then
      local changes = {state = 'dispatched', attempts = tostring(attempts + 1),
                       dispatched_at = ARGV[1]}
      if reserve then changes.reserved = '1' end
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
      out[#out + 1] = id
      out[#out + 1] = flat
    end
  end
end
each_slice(inflight, 1000, function(...) redis.call('ZADD', KEYS[2], ...) end)
for state, n in pairs(counts) do
  if n ~= 0 then redis.call('HINCRBY', KEYS[3], state, n) end
end
return out
