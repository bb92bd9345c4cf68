-- record_consent.lua — one consent event: the evidence, and what it changes.
--
-- KEYS[1] the store's consent ledger (a stream, append-only)
-- KEYS[2] the store's opt-out set for the channel
-- KEYS[3] the member hash (when ARGV[5] names a member; else any key of the store)
-- KEYS[4] today's open-jobs index of the store (hu:{S}:open:<day end>)
-- KEYS[5] due set   KEYS[6] in-flight set   KEYS[7] job counts
-- KEYS[8] webhook flag (hu:{S}:wh:on)   KEYS[9] webhook events (hu:{S}:wh:events)
-- ARGV[1] at   ARGV[2] store   ARGV[3] channel   ARGV[4] event (opt_in | opt_out)
-- ARGV[5] member or ""   ARGV[6] address (E.164 or openid) or ""   ARGV[7] source
-- ARGV[8] detail   ARGV[9] job key prefix   ARGV[10] retention (s) of a job that ends here
-- KEYS[10] who was welcomed (hu:{S}:welcomed)
-- KEYS[11] tomorrow's open-jobs index (hu:{S}:open:<tomorrow's end>): a
-- welcome's, the only jobs that expire tomorrow
-- KEYS[12] (optional) an API event's id record, set to ARGV[11] for ARGV[12] s
-- (both "" without one)
-- The welcome (core/welcome.h), all "" when this opt-in welcomes no one:
-- ARGV[13] its job id   ARGV[14] its occasion (the opt-in's local date)
-- ARGV[15] due at   ARGV[16] expires at   ARGV[17] the field of KEYS[10]
-- ARGV[18] "copy" (a store over K > 1 shards, docs/architecture.md): this
-- shard's copy of the store's opt-out set follows an event recorded in
-- another shard — only the address's place in the set and its open jobs
-- here; the evidence, the member's flag, the webhook and the welcome are the
-- recording shard's. "" otherwise.
-- Returns { 1 if the address joined the opt-out set else 0, jobs cancelled,
-- 1 if a welcome job was created else 0 },
-- or { -1, 0, 0 } when KEYS[12] exists: the event was recorded before, nothing
-- changes (the id is taken with the event, so a repeat can never reorder
-- consent: an old opt-in replayed after a later opt-out).
--
-- The rules are core/consent.h's: every event is appended, repeats included
-- (the ledger is evidence of what arrived); the member's flag for the channel
-- follows the event (the shop's record); an opt-out from any source but an
-- import puts the address on the opt-out list, and only an opt-in from
-- elsewhere than an import takes it off. An opt-out cancels, at once, the
-- jobs of today that go to the address on the channel and whose provider
-- call no worker began (`calling`, mark_call.lua; a worker that began the
-- job finds it cancelled when it marks the call, and does not send) — found
-- through the open-jobs index, not by a scan — and so does a welcome planned
-- for tomorrow (tomorrow's index).
-- Webhooks (webhook_event.lua): consent.changed for every event recorded,
-- like the ledger, and message.skipped (reason opted_out) for each job an
-- opt-out cancels.
-- The welcome: an opt-in the caller found welcoming (counter or API, store's
-- `welcome` on) of a member who exists and has an address on the channel
-- creates her welcome job only when HSETNX takes her field of KEYS[10]: once
-- per member and channel, whatever repeats, retries or replicas do. The job
-- is a planned job hash without text (its words are written at dispatch),
-- in the due set and the open-jobs index of its expiry (the end of
-- tomorrow: an opt-out today or tomorrow cancels it at once — an opt-out
-- looks at today's and tomorrow's index), as create_job.lua writes one;
-- the claim checks it as every job (consent, opt-out, windows, approval).
--#guard
--#fence
--#include webhook_event
--#include cancel_job
if KEYS[12] and not redis.call('SET', KEYS[12], ARGV[11], 'NX', 'EX', ARGV[12]) then
  return {-1, 0, 0}
end
local at, store, channel, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local member, address, source, detail = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local copy = ARGV[18] == 'copy'
if not copy then
  local fields = {'at', at, 'store', store, 'channel', channel, 'event', event, 'source', source}
  if member ~= '' then
    fields[#fields + 1] = 'member'; fields[#fields + 1] = member
  end
  if address ~= '' then
    fields[#fields + 1] = 'address'; fields[#fields + 1] = address
  end
  fields[#fields + 1] = 'detail'; fields[#fields + 1] = detail
  redis.call('XADD', KEYS[1], '*', unpack(fields))
  webhook_event(KEYS[8], KEYS[9], 'consent.changed', member, at,
                {channel = channel, event = event, source = source, address = address,
                 detail = detail})

  if member ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('HSET', KEYS[3], channel .. '_optin', event == 'opt_in' and '1' or '0')
  end
end
local added = 0
if address ~= '' and source ~= 'import' then
  if event == 'opt_out' then
    added = redis.call('SADD', KEYS[2], address)
  else
    redis.call('SREM', KEYS[2], address)
  end
end

local cancelled = 0
local k = {due = KEYS[5], inflight = KEYS[6], counts = KEYS[7], on = KEYS[8], events = KEYS[9]}
local function open_ids(index)
  return redis.call('HGET', index, channel .. ':' .. address) or ''
end
if event == 'opt_out' and address ~= '' then
  local ids = open_ids(KEYS[4]) .. ' ' .. open_ids(KEYS[11])
  for id in string.gmatch(ids, '%S+') do
    local key = ARGV[9] .. id
    local job = redis.call('HMGET', key, 'state', 'member', 'kind')
    local state = job[1]
    if state == 'planned' or (state == 'dispatched' and redis.call('HEXISTS', key, 'calling') == 0) then
      cancel_job(k, id, key, {state = state, member = job[2], kind = job[3], channel = channel},
                 at, 'opted_out', 'opted_out', ARGV[10])
      cancelled = cancelled + 1
    end
  end
end
local welcomed = 0
local welcome_id = ARGV[13] or ''
if not copy and event == 'opt_in' and welcome_id ~= '' and member ~= '' and
   redis.call('EXISTS', KEYS[3]) == 1 then
  local to = address
  if to == '' then
    to = redis.call('HGET', KEYS[3], channel == 'wechat' and 'openid' or 'phone') or ''
  end
  local key = ARGV[9] .. welcome_id
  if to ~= '' and redis.call('HSETNX', KEYS[10], ARGV[17], at) == 1 and
     redis.call('EXISTS', key) == 0 then
    local due_at, expires_at = ARGV[15], ARGV[16]
    redis.call('HSET', key, 'kind', 'welcome', 'member', member, 'occasion', ARGV[14],
               'marketing', '1', 'channel', channel, 'to', to, 'due_at', due_at,
               'expires_at', expires_at, 'state', 'planned', 'created_at', at)
    redis.call('ZADD', KEYS[5], due_at, welcome_id)
    redis.call('HINCRBY', KEYS[7], 'planned', 1)
    local prefix = string.sub(ARGV[9], 1, -5)  -- "hu:{S}:job:" → "hu:{S}:"
    -- For the effect report, as create_job.lua lists a job: one SMS part
    -- (its words are written at dispatch; the default welcome is one part).
    redis.call('ZADD', prefix .. 'fx:touch', due_at,
               welcome_id .. '|m|' .. channel .. '|' .. (channel == 'sms' and '1' or '0'))
    -- In the open-jobs index of its expiry (tomorrow's, KEYS[11]), as
    -- create_job.lua lists a job: an opt-out today or tomorrow finds it.
    local recipient = channel .. ':' .. to
    if redis.call('HSETNX', KEYS[11], recipient, welcome_id) == 0 then
      redis.call('HSET', KEYS[11], recipient, redis.call('HGET', KEYS[11], recipient) .. ' ' .. welcome_id)
    end
    redis.call('EXPIREAT', KEYS[11], tonumber(expires_at) + 86400)
    welcomed = 1
  end
end
return {added, cancelled, welcomed}
