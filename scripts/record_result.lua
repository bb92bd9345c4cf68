-- record_result.lua — what happened to jobs, each recorded once. For several
-- results of one store at once (a worker's batch, the scheduler's round):
-- one script call, and the sets and counts written once a call.
--
-- KEYS[1] in-flight set   KEYS[2] due set   KEYS[3] counts
-- KEYS[4] webhook flag (hu:{S}:wh:on)   KEYS[5] webhook events (hu:{S}:wh:events)
-- KEYS[5 + j] result j's job hash
-- ARGV[1] retention (seconds)   ARGV[2] max attempts
-- then 8 a result, from ARGV[3 + 8(j-1)]: job id, outcome (wire.h), at,
-- retry at, error, provider, provider ref, unsure (when a retry's earlier
-- attempt may have reached the provider, Unix seconds; '' when it surely did
-- not)
-- Returns the state of each result's job afterwards, or "missing", in order.
-- A job that ends sent (or delivered) leaves when it went in the store's
-- hu:{S}:fx:sent, for the effect report (io/effect_store.h).
-- Idempotent: a result for a job that has already ended changes nothing, so
-- the worker and the scheduler may both record the same result. A late
-- result for a job marked unknown settles it. "unknown" ends the job
-- unknown: the provider may have it and cannot say, so it is never sent
-- again. A retry that may have reached the provider keeps `unsure_at`, and
-- begin_send.lua asks the worker to verify before the next attempt sends.
--
-- Attempts are provider calls (`calls`, counted by mark_call.lua), not
-- dispatches: a `retry` (the provider's transient trouble) after max_attempts
-- calls ends the job failed. A `deferred` job was never handed to the
-- provider (a recipient cap, the send window, the account's rate, a worker
-- that stopped, a verification that must wait) and an `account_problem` was
-- refused by the provider for the account's sake, not the message's: both
-- wait for `retry at` without using an attempt, bounded by the job's expiry
-- (claim_due.lua ends it `expired` at its day's end), never `failed`.
-- Webhook events (webhook_event.lua): message.sent (and message.delivered
-- after it when a report overtook the record), message.failed,
-- message.skipped for `expired`; nothing for `unknown` (no one can say).
--#guard
--#fence
--#include webhook_event
local retention, max_attempts = ARGV[1], tonumber(ARGV[2])
local out = {}
local leaving = {}   -- ids out of the in-flight set
local due = {}       -- id → retry time (back in the due set) or false (out of it)
local counts = {}    -- state → change
local sent = {}      -- job id, when: for the effect report (hu:{S}:fx:sent)
local sent_key = nil

local function move(from, to)
  counts[from] = (counts[from] or 0) - 1
  counts[to] = (counts[to] or 0) + 1
end

local function record(key, a)
  local id, outcome, at, retry_at = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local err, provider, ref, unsure_at = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
  -- What this needs of the job, read at once.
  local f = redis.call('HMGET', key, 'state', 'dlr_status', 'dlr_at', 'calls', 'calling',
                       'member', 'kind', 'channel', 'dlr_detail')
  local state = f[1]
  if not state then return 'missing' end
  if outcome == 'declined' then return state end
  if state ~= 'dispatched' and state ~= 'planned' and state ~= 'unknown' then return state end

  local function finish(new_state, delivered_at)
    local fields = {'state', new_state, 'finished_at', at}
    local function put(field, value)
      if value ~= '' then
        fields[#fields + 1] = field
        fields[#fields + 1] = value
      end
    end
    put('error', err)
    put('provider', provider)
    put('provider_ref', ref)
    if delivered_at then put('delivered_at', delivered_at) end
    redis.call('HSET', key, unpack(fields))
    redis.call('HDEL', key, 'sending', 'calling', 'noted', 'noted_for')
    redis.call('EXPIRE', key, retention)
    leaving[#leaving + 1] = id
    due[id] = false
    move(state, new_state)
    local event = {job_id = id, kind = f[7] or '', channel = f[8] or ''}
    if new_state == 'sent' or new_state == 'delivered' then
      event.provider, event.provider_ref = provider, ref
      webhook_event(KEYS[4], KEYS[5], 'message.sent', f[6], at, event)
      if new_state == 'delivered' then
        event.delivered_at = delivered_at
        webhook_event(KEYS[4], KEYS[5], 'message.delivered', f[6], delivered_at, event)
      elseif f[2] == 'undelivered' or f[2] == 'rejected' then
        -- A failure report overtook this record (record_delivery.lua).
        event.status, event.error = f[2], f[9] or ''
        webhook_event(KEYS[4], KEYS[5], 'message.failed', f[6], f[3] or at, event)
      end
    elseif new_state == 'failed' then
      event.provider, event.error = provider, err
      webhook_event(KEYS[4], KEYS[5], 'message.failed', f[6], at, event)
    elseif new_state == 'expired' then
      event.reason = 'expired'
      webhook_event(KEYS[4], KEYS[5], 'message.skipped', f[6], at, event)
    end
    if new_state == 'sent' or new_state == 'delivered' then
      -- The job's key is "<store prefix>job:<id>": the store's record is beside it.
      sent_key = sent_key or (string.sub(key, 1, #key - #id - 4) .. 'fx:sent')
      sent[#sent + 1] = id
      sent[#sent + 1] = at
    end
    return new_state
  end

  if outcome == 'sent' then
    -- A delivery report may have overtaken this record (record_delivery.lua).
    if f[2] == 'delivered' then return finish('delivered', f[3] or '') end
    return finish('sent')
  end
  if outcome == 'unknown' then return finish('unknown') end
  if outcome == 'expired' then return finish('expired') end
  if outcome == 'failed' or outcome == 'consent_lost' then return finish('failed') end
  -- retry, deferred and account_problem: the message may still go, later.
  -- Recorded once: the worker's record already handed the job back; the
  -- scheduler's copy of the same result must not undo what came with it
  -- (unsure_at).
  if state == 'planned' then return state end
  local unsure = unsure_at and unsure_at ~= ''
  local calls = tonumber(f[4] or '0')
  if outcome == 'retry' and calls >= max_attempts then
    -- Out of attempts: failed — unless this last one may have gone.
    return finish(unsure and 'unknown' or 'failed')
  end
  if (outcome == 'account_problem' or outcome == 'deferred') and f[5] then
    -- Marked, but not an attempt: the provider refused the call for the
    -- account's sake, or the worker did not call after all (its account
    -- decision came too late to use, a window that closed meanwhile).
    redis.call('HINCRBY', key, 'calls', -1)
  end
  redis.call('HSET', key, 'state', 'planned')
  if unsure then
    redis.call('HSET', key, 'unsure_at', unsure_at)
  else
    redis.call('HDEL', key, 'unsure_at')
  end
  if err ~= '' then redis.call('HSET', key, 'error', err) end
  redis.call('HDEL', key, 'sending', 'sending_at', 'calling', 'noted', 'noted_for')
  leaving[#leaving + 1] = id
  due[id] = retry_at
  move(state, 'planned')
  return 'planned'
end

for j = 1, #KEYS - 5 do
  out[j] = record(KEYS[5 + j], 3 + 8 * (j - 1))
end
-- The sets and counts, once for the call. `due` keeps each job's last
-- change, so two results of one job in a call end as the second left it.
if #leaving > 0 then redis.call('ZREM', KEYS[1], unpack(leaving)) end
local gone, back = {}, {}
for id, at in pairs(due) do
  if at then
    back[#back + 1] = at
    back[#back + 1] = id
  else
    gone[#gone + 1] = id
  end
end
if #gone > 0 then redis.call('ZREM', KEYS[2], unpack(gone)) end
if #back > 0 then redis.call('ZADD', KEYS[2], unpack(back)) end
if #sent > 0 then redis.call('HSET', sent_key, unpack(sent)) end
for state, n in pairs(counts) do
  if n ~= 0 then redis.call('HINCRBY', KEYS[3], state, n) end
end
return out
