-- requeue_overdue.lua — overdue jobs: dispatched, and no result by their
-- result deadline (ack_timeout_seconds after the dispatch).
--
-- KEYS[1] in-flight set   KEYS[2] due set   KEYS[3] counts
-- ARGV[1] now   ARGV[2] limit   ARGV[3] job key prefix   ARGV[4] retention (seconds)
-- Returns { requeued, unknown, n, id × n, (id, note) × the rest }: the n ids
-- are every job taken off the in-flight set, so the scheduler stops waiting
-- for their results; then each noted job and its note, for the scheduler to
-- record (record_result.lua).
-- If no provider call was begun (no `calling` field, mark_call.lua) — the
-- push was lost with a worker or a socket, or a worker began it in a batch
-- (`sending`) and died before its turn — it certainly did not reach the
-- provider: it goes back to the due set to be dispatched again, and the
-- worker's `sending` mark is dropped. If a worker marked the call and noted
-- how it went (the mark of its next job carries the note) but died before
-- its batch's record, the note is the result: the job stays in flight until
-- the scheduler records it (a scheduler that dies first finds it here
-- again). If a worker marked the call and left no note, it may have reached
-- the member: its fate is unknown, and it is never sent again.
--#guard
--#fence
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local requeued, unknown = 0, 0
local landed, noted = {}, {}
for _, id in ipairs(ids) do
  local key = ARGV[3] .. id
  local f = redis.call('HMGET', key, 'state', 'calling', 'noted', 'noted_for', 'attempts')
  local readable = false
  if f[1] == 'dispatched' and f[2] and f[3] and f[4] == f[5] then
    -- A note that is not the 7 values of a result is no result: unknown.
    local ok, v = pcall(cjson.decode, f[3])
    readable = ok and type(v) == 'table' and #v == 7
  end
  if readable then
    noted[#noted + 1] = id
    noted[#noted + 1] = f[3]
  else
    redis.call('ZREM', KEYS[1], id)
    landed[#landed + 1] = id
    if f[1] == 'dispatched' then
      if f[2] then
        redis.call('HSET', key, 'state', 'unknown', 'finished_at', now,
                   'error', 'a worker called the provider and recorded no result')
        redis.call('EXPIRE', key, ARGV[4])
        redis.call('HINCRBY', KEYS[3], 'dispatched', -1)
        redis.call('HINCRBY', KEYS[3], 'unknown', 1)
        unknown = unknown + 1
      else
        redis.call('HSET', key, 'state', 'planned')
        redis.call('HDEL', key, 'sending', 'sending_at')
        redis.call('ZADD', KEYS[2], now, id)
        redis.call('HINCRBY', KEYS[3], 'dispatched', -1)
        redis.call('HINCRBY', KEYS[3], 'planned', 1)
        requeued = requeued + 1
      end
    end
  end
end
local out = {requeued, unknown, #landed}
for _, id in ipairs(landed) do out[#out + 1] = id end
for _, v in ipairs(noted) do out[#out + 1] = v end
return out
