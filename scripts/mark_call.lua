-- mark_call.lua — a worker's word, given just before it calls the provider
-- with a job, that this call is now under way.
--
-- KEYS[1] the job hash
-- ARGV[1] worker name   ARGV[2] the dispatch's attempt number   ARGV[3] now
-- Returns "ok" (call the provider now), or why not: "missing", "state:<s>"
-- (it ended meanwhile: an opt-out cancelled it, or it was marked unknown),
-- "stale" (dispatched again since), "sending" (another worker began it).
--
-- begin_send.lua begins a worker's whole batch; this marks the one job whose
-- provider call starts now. The difference is what a crash leaves behind: a
-- job begun but never marked certainly did not reach the provider, so
-- requeue_overdue.lua dispatches it again; only a marked job whose result
-- never came may have gone, and ends `unknown`. So a worker killed mid-batch
-- leaves at most the one job of its current call unknown, not the batch.
-- `calls` counts the provider calls made for the job: max_attempts is a
-- bound on calls, not on dispatches (record_result.lua, claim_due.lua).
--#guard
--#fence
local f = redis.call('HMGET', KEYS[1], 'state', 'attempts', 'sending')
if not f[1] then return 'missing' end
if f[1] ~= 'dispatched' then return 'state:' .. f[1] end
if f[2] ~= ARGV[2] then return 'stale' end
if f[3] ~= ARGV[1] then return 'sending' end
redis.call('HSET', KEYS[1], 'calling', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'calls', 1)
return 'ok'
