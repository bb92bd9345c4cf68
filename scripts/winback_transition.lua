-- winback_transition.lua — move a member one step through the win-back, if
-- nothing changed since the planner read them.
--
-- KEYS[1] the member's visit state (hu:{S}:v:<m>)   KEYS[2] wb:lapse   KEYS[3] wb:returned
-- KEYS[4] wb:lapsed   KEYS[5] wb:reminded   KEYS[6] wb:churned   KEYS[7] wb:counts
-- KEYS[8] the job due set   KEYS[9] job counts
-- KEYS[10] webhook flag (hu:{S}:wh:on)   KEYS[11] webhook events (hu:{S}:wh:events)
-- ARGV[1] member id   ARGV[2..4] expected last_date, state, step (the guard)
-- ARGV[5] new state   ARGV[6] new step   ARGV[7] day number: the member's new index score
-- ARGV[8] a wb:counts field to increment, or ""   ARGV[9] the step's job id, or ""
-- ARGV[10] job key prefix   ARGV[11] now   ARGV[12] job retention (s)
-- Returns 1 when applied, 0 when the guard failed.
--
-- The planner creates a reminder job first (JobStore::create) and then calls
-- this. If a visit landed in between, the guard fails and the job, if it
-- belongs to the absence that just ended, is cancelled here; a visit after
-- this script finds the job by its id and cancels it itself. Either way a
-- member who came back gets no reminder for the absence they ended.
-- The job cancelled here is the webhook event message.skipped, reason
-- came_back (webhook_event.lua).
--#guard
--#fence
--#include webhook_event
local v, id = KEYS[1], ARGV[1]
local last_date = redis.call('HGET', v, 'last_date')
local state = redis.call('HGET', v, 'state') or 'active'
local step = redis.call('HGET', v, 'step') or '0'
if last_date ~= ARGV[2] or state ~= ARGV[3] or step ~= ARGV[4] then
  if ARGV[9] ~= '' and last_date ~= ARGV[2] then
    local job = ARGV[10] .. ARGV[9]
    if redis.call('HGET', job, 'state') == 'planned' then
      redis.call('HSET', job, 'state', 'cancelled', 'finished_at', ARGV[11],
                 'error', 'the member came back')
      redis.call('EXPIRE', job, ARGV[12])
      redis.call('ZREM', KEYS[8], ARGV[9])
      redis.call('HINCRBY', KEYS[9], 'planned', -1)
      redis.call('HINCRBY', KEYS[9], 'cancelled', 1)
      webhook_event(KEYS[10], KEYS[11], 'message.skipped', id, ARGV[11],
                    {job_id = ARGV[9], kind = 'winback',
                     channel = redis.call('HGET', job, 'channel') or '', reason = 'came_back'})
    end
  end
  return 0
end

local new_state, day = ARGV[5], ARGV[7]
for i = 2, 6 do redis.call('ZREM', KEYS[i], id) end
if new_state == 'active' or new_state == 'returned' then
  redis.call('ZADD', KEYS[2], day, id)
  if new_state == 'returned' then redis.call('ZADD', KEYS[3], day, id) end
  redis.call('HSET', v, 'lapse', day)
  redis.call('HDEL', v, 'next')
else
  local z = {lapsed = KEYS[4], reminded = KEYS[5], churned = KEYS[6]}
  redis.call('ZADD', z[new_state], day, id)
  redis.call('HSET', v, 'next', day)
end
redis.call('HSET', v, 'state', new_state, 'step', ARGV[6])
if ARGV[9] ~= '' then redis.call('HINCRBY', v, 'msgs', 1) end
if ARGV[8] ~= '' then redis.call('HINCRBY', KEYS[7], ARGV[8], 1) end
return 1
