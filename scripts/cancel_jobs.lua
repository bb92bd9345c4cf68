-- cancel_jobs.lua — staff take planned jobs back before they go: the console's
-- hold ("held by staff <login>", console/today_page.h).
--
-- KEYS[1] due set   KEYS[2] in-flight set   KEYS[3] counts
-- KEYS[4] webhook flag (hu:{S}:wh:on)   KEYS[5] webhook events (hu:{S}:wh:events)
-- ARGV[1] at   ARGV[2] job key prefix   ARGV[3] retention (s) of a job that ends here
-- ARGV[4] the error recorded   ARGV[5] the webhook's reason code   ARGV[6..] job ids
-- Returns, per id, the state the job was in ('' for no such job): a job that
-- was `planned` is now cancelled; any other was left as it was.
--
-- Only a planned job is cancelled: once dispatched a worker may be calling
-- the provider, and a message on its way cannot be called back. Cancelling
-- is cancel_job.lua's, the same as an opt-out's.
--#guard
--#fence
--#include webhook_event
--#include cancel_job
local k = {due = KEYS[1], inflight = KEYS[2], counts = KEYS[3], on = KEYS[4], events = KEYS[5]}
local out = {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local key = ARGV[2] .. id
  local job = redis.call('HMGET', key, 'state', 'member', 'kind', 'channel')
  local state = job[1] or ''
  if state == 'planned' then
    cancel_job(k, id, key, {state = state, member = job[2], kind = job[3], channel = job[4]},
               ARGV[1], ARGV[4], ARGV[5], ARGV[3])
  end
  out[#out + 1] = state
end
return out
