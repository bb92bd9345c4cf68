-- cancel_job.lua — included ("--#include cancel_job", after webhook_event) by
-- the scripts that cancel a job before it goes: an opt-out
-- (record_consent.lua), staff holding a message (cancel_jobs.lua), an
-- approval that leaves it unticked (approve_day.lua). One way to cancel, so
-- each does the same: the job ends `cancelled` with its error, leaves the due
-- and in-flight sets, moves in the counts, is kept `retention` seconds, and
-- the webhook event message.skipped names the reason. The day's open-jobs
-- index is left as it is: it only lists, the job's state decides, and it
-- expires with its day.
--
-- cancel_job(k, id, key, job, at, err, reason, retention): k = {due,
-- inflight, counts, on, events} (the store's keys), key = the job's hash,
-- job = {state, member, kind, channel} as read by the caller (the state
-- before: planned or dispatched).
local function cancel_job(k, id, key, job, at, err, reason, retention)
  redis.call('HSET', key, 'state', 'cancelled', 'finished_at', at, 'error', err)
  redis.call('ZREM', k.due, id)
  redis.call('ZREM', k.inflight, id)
  redis.call('EXPIRE', key, retention)
  redis.call('HINCRBY', k.counts, job.state, -1)
  redis.call('HINCRBY', k.counts, 'cancelled', 1)
  local data = {job_id = id, kind = job.kind or '', channel = job.channel or '', reason = reason}
  if err ~= reason then data.detail = err end
  webhook_event(k.on, k.events, 'message.skipped', job.member, at, data)
end
