-- record_result.lua — what happened to a job, recorded once.
--
-- KEYS[1] job hash   KEYS[2] in-flight set   KEYS[3] due set   KEYS[4] counts
-- ARGV[1] job id   ARGV[2] outcome (wire.h)   ARGV[3] at   ARGV[4] retry at
-- ARGV[5] error   ARGV[6] provider   ARGV[7] provider ref   ARGV[8] retention
-- ARGV[9] max attempts   ARGV[10] unsure: when a retry's earlier attempt may
-- have reached the provider (Unix seconds; '' when it surely did not)
-- Returns the job's state afterwards, or "missing". Idempotent: a result for a
-- job that has already ended changes nothing, so the worker and the scheduler
-- may both record the same result. A late result for a job marked unknown
-- settles it. "unknown" ends the job unknown: the provider may have it and
-- cannot say, so it is never sent again. A retry that may have reached the
-- provider keeps `unsure_at`, and begin_send.lua asks the worker to verify
-- before the next attempt sends.
local key, id, outcome = KEYS[1], ARGV[1], ARGV[2]
-- What this needs of the job, read at once.
local f = redis.call('HMGET', key, 'state', 'dlr_status', 'dlr_at', 'attempts')
local state = f[1]
if not state then return 'missing' end
if outcome == 'refused' then return state end
if state ~= 'dispatched' and state ~= 'planned' and state ~= 'unknown' then return state end

local function finish(new_state, delivered_at)
  local fields = {'state', new_state, 'finished_at', ARGV[3]}
  local function put(field, value)
    if value ~= '' then
      fields[#fields + 1] = field
      fields[#fields + 1] = value
    end
  end
  put('error', ARGV[5])
  put('provider', ARGV[6])
  put('provider_ref', ARGV[7])
  if delivered_at then put('delivered_at', delivered_at) end
  redis.call('HSET', key, unpack(fields))
  redis.call('HDEL', key, 'sending')
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('EXPIRE', key, ARGV[8])
  redis.call('HINCRBY', KEYS[4], state, -1)
  redis.call('HINCRBY', KEYS[4], new_state, 1)
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
-- retry and account_problem: the message may still go, later. Recorded once:
-- the worker's record already handed the job back; the scheduler's copy of
-- the same result must not undo what came with it (unsure_at).
if state == 'planned' then return state end
local unsure = ARGV[10] and ARGV[10] ~= ''
local attempts = tonumber(f[4] or '0')
if attempts >= tonumber(ARGV[9]) then
  -- Out of attempts: failed — unless this last one may have gone.
  return finish(unsure and 'unknown' or 'failed')
end
redis.call('HSET', key, 'state', 'planned')
if unsure then
  redis.call('HSET', key, 'unsure_at', ARGV[10])
else
  redis.call('HDEL', key, 'unsure_at')
end
if ARGV[5] ~= '' then redis.call('HSET', key, 'error', ARGV[5]) end
redis.call('HDEL', key, 'sending')
redis.call('ZREM', KEYS[2], id)
redis.call('ZADD', KEYS[3], ARGV[4], id)
redis.call('HINCRBY', KEYS[4], state, -1)
redis.call('HINCRBY', KEYS[4], 'planned', 1)
return 'planned'
