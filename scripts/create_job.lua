-- create_job.lua — create planned jobs of one store, each unless its id exists
-- (idempotent planning).
--
-- KEYS[1] the store's due set   KEYS[2] the store's counts
-- ARGV[1] the store's key prefix ("hu:{toyland}:")   ARGV[2] retention (s): a
-- held job is finished at birth and kept this long after its expiry
-- then 17 values a job: its id, the values of the hash fields in `fields`
-- below, in that order (core/job.h; io/job_store.cpp writes them), its SMS
-- parts and its holdout record. "" leaves a field out (no params, no error),
-- and so does "0" for attempts: the scripts that read the hash take an
-- absent field as its default.
-- Returns how many jobs were created.
--
-- A job created `held` (the holdout group, core/holdout.h) is never due: it
-- joins neither the due set nor the open-jobs index, and counts as held.
-- Every job created, held or not, is listed for the effect report
-- (hu:{S}:fx:touch, io/effect_store.h), and its holdout record, when it has
-- one, becomes the member's record for the kind — with the job, in one
-- script, so a replan never sees one without the other.
--
-- Each job is listed in the open-jobs index of its day (hu:{S}:open:<its
-- expires_at>), field "<channel>:<to>", so an opt-out finds the jobs it must
-- cancel at once (record_consent.lua) without scanning. The index only lives
-- for its day and a margin: a job can no longer go after its expiry.
--
-- Batching is for speed: a script call costs Redis more than the few
-- commands in it, so a festival day's hundreds of thousands of jobs go a few
-- hundred a call, with one ZADD, one HINCRBY and one EXPIREAT per index for
-- the call. The field names live here, not in the arguments: every argument
-- becomes a Lua string, and that conversion was much of a job's cost. Job and
-- index keys share the store's hash tag (the prefix): one cluster slot.
--#guard
--#fence
local fields = {'kind', 'member', 'occasion', 'marketing', 'channel', 'to', 'text', 'params',
                'due_at', 'expires_at', 'state', 'attempts', 'error', 'created_at'}
local per_job = 1 + #fields + 2
local prefix = ARGV[1]
local due = {}
local expiry = {}
local touches = {}
local created, held = 0, 0
local retention = tonumber(ARGV[2])
for i = 3, #ARGV, per_job do
  local id = ARGV[i]
  local key = prefix .. 'job:' .. id
  if redis.call('EXISTS', key) == 0 then
    local hash = {}
    for f = 1, #fields do
      local v = ARGV[i + f]
      if v ~= '' and not (f == 12 and v == '0') then
        hash[#hash + 1] = fields[f]
        hash[#hash + 1] = v
      end
    end
    redis.call('HSET', key, unpack(hash))
    local kind, member, channel, to = ARGV[i + 1], ARGV[i + 2], ARGV[i + 5], ARGV[i + 6]
    local due_at, expires_at, state = ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
    local parts, record = ARGV[i + #fields + 1], ARGV[i + #fields + 2]
    local is_held = state == 'held'
    touches[#touches + 1] = due_at
    touches[#touches + 1] = id .. '|' .. (is_held and 'h' or 'm') .. '|' .. channel .. '|' .. parts
    if record ~= '' then redis.call('HSET', prefix .. 'holdout:' .. kind, member, record) end
    if is_held then
      held = held + 1
      redis.call('EXPIREAT', key, tonumber(expires_at) + retention)
    else
      due[#due + 1] = due_at
      due[#due + 1] = id
      created = created + 1
    end
    if to ~= '' and not is_held then
      local index = prefix .. 'open:' .. expires_at
      local recipient = channel .. ':' .. to
      -- A recipient has one job a day, nearly always: HSETNX is the one command.
      if redis.call('HSETNX', index, recipient, id) == 0 then
        redis.call('HSET', index, recipient, redis.call('HGET', index, recipient) .. ' ' .. id)
      end
      expiry[index] = tonumber(expires_at) + 86400
    end
  end
end
if created > 0 then
  redis.call('ZADD', KEYS[1], unpack(due))
  redis.call('HINCRBY', KEYS[2], 'planned', created)
end
if held > 0 then redis.call('HINCRBY', KEYS[2], 'held', held) end
if #touches > 0 then redis.call('ZADD', prefix .. 'fx:touch', unpack(touches)) end
for index, at in pairs(expiry) do
  redis.call('EXPIREAT', index, at)
end
return created + held
