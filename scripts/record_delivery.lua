-- record_delivery.lua — a delivery report for a job: sent → delivered.
--
-- KEYS[1] job hash   KEYS[2] counts
-- KEYS[3] webhook flag (hu:{S}:wh:on)   KEYS[4] webhook events (hu:{S}:wh:events)
-- ARGV[1] status: delivered | undelivered | buffered | accepted | rejected
-- ARGV[2] at   ARGV[3] detail (the gateway's text, may be empty)
-- Returns the job's state afterwards, or "missing". Idempotent: a report
-- repeated, or one for a job already delivered, changes nothing. Only
-- "delivered" moves the state (sent or unknown → delivered: a report proves
-- the message went); the others are kept on the job as the last report. A
-- report that overtakes the worker's own record (the job still dispatched)
-- is kept, and record_result.lua finishes the job as delivered. An unknown
-- job proved delivered is recorded as sent for the effect report
-- (hu:{S}:fx:sent, beside the job's key), at the report's time.
-- Webhooks (webhook_event.lua): message.delivered when the job becomes
-- delivered; message.failed, with the carrier's status and detail, the first
-- time an undelivered or rejected report arrives for a job already sent
-- (one that overtakes the worker's record is reported by record_result.lua).
--#guard
--#fence
--#include webhook_event
local f = redis.call('HMGET', KEYS[1], 'state', 'dlr_status', 'member', 'kind', 'channel')
local state = f[1]
if not state then return 'missing' end
if state == 'delivered' then return state end
local job_key = KEYS[1]
local event = {job_id = string.sub(job_key, (string.find(job_key, 'job:', 1, true) or 0) + 4),
               kind = f[4] or '', channel = f[5] or ''}
if (ARGV[1] == 'undelivered' or ARGV[1] == 'rejected') and f[2] ~= ARGV[1]
    and (state == 'sent' or state == 'unknown') then
  event.status, event.error = ARGV[1], ARGV[3]
  webhook_event(KEYS[3], KEYS[4], 'message.failed', f[3], ARGV[2], event)
end
redis.call('HSET', KEYS[1], 'dlr_status', ARGV[1], 'dlr_at', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'dlr_detail', ARGV[3]) end
if ARGV[1] ~= 'delivered' then return state end
if state == 'sent' or state == 'unknown' then
  redis.call('HSET', KEYS[1], 'state', 'delivered', 'delivered_at', ARGV[2])
  event.delivered_at = ARGV[2]
  webhook_event(KEYS[3], KEYS[4], 'message.delivered', f[3], ARGV[2], event)
  if state == 'unknown' then
    local key = KEYS[1]
    local at = string.find(key, 'job:', 1, true)
    redis.call('HSETNX', string.sub(key, 1, at - 1) .. 'fx:sent', string.sub(key, at + 4), ARGV[2])
  end
  redis.call('HINCRBY', KEYS[2], state, -1)
  redis.call('HINCRBY', KEYS[2], 'delivered', 1)
  return 'delivered'
end
return state
