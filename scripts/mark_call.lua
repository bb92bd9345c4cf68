-- mark_call.lua — a worker's word, given just before it calls the provider
-- with a job, that this call is now under way; and a note, on each job of
-- its batch it called before, of how that call went.
--
-- KEYS[1] the job hash   KEYS[1 + j] noted job j's hash (the same shard)
-- ARGV[1] worker name   ARGV[2] the dispatch's attempt number   ARGV[3] now
-- then 2 a noted job, from ARGV[4 + 2(j-1)]: its dispatch's attempt number,
-- and its result as record_result.lua's ARGV after the job id, a JSON array
-- (outcome, at, retry at, error, provider, provider ref, unsure)
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
-- The notes are what makes that so while results are recorded once a batch
-- (record_result.lua, one call for the batch's jobs: a call a job cost
-- ~35 µs of Redis, docs/BENCHMARKS.md section 13): a job marked and noted
-- whose worker died before the batch's record is recorded from its note by
-- the scheduler (requeue_overdue.lua returns it), not ended unknown.
-- A note is written only on a job still dispatched to this worker in that
-- attempt (`noted_for` says which), and record_result.lua removes it.
-- `calls` counts the provider calls made for the job: max_attempts is a
-- bound on calls, not on dispatches (record_result.lua, claim_due.lua).
--#guard
--#fence
-- A noted job whose key is damaged (not a hash) is skipped, not the mark's
-- failure: the batch's record refuses it alone (worker_test.cpp).
for j = 2, #KEYS do
  local a = 4 + 2 * (j - 2)
  local n = redis.pcall('HMGET', KEYS[j], 'state', 'attempts', 'sending')
  if not n.err and n[1] == 'dispatched' and n[2] == ARGV[a] and n[3] == ARGV[1] then
    redis.call('HSET', KEYS[j], 'noted', ARGV[a + 1], 'noted_for', ARGV[a])
  end
end
local f = redis.call('HMGET', KEYS[1], 'state', 'attempts', 'sending')
if not f[1] then return 'missing' end
if f[1] ~= 'dispatched' then return 'state:' .. f[1] end
if f[2] ~= ARGV[2] then return 'stale' end
if f[3] ~= ARGV[1] then return 'sending' end
redis.call('HSET', KEYS[1], 'calling', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'calls', 1)
return 'ok'
