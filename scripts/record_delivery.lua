-- record_delivery.lua — a delivery report for a job: sent → delivered.
--
-- KEYS[1] job hash   KEYS[2] counts
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
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state == 'delivered' then return state end
redis.call('HSET', KEYS[1], 'dlr_status', ARGV[1], 'dlr_at', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'dlr_detail', ARGV[3]) end
if ARGV[1] ~= 'delivered' then return state end
if state == 'sent' or state == 'unknown' then
  redis.call('HSET', KEYS[1], 'state', 'delivered', 'delivered_at', ARGV[2])
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
