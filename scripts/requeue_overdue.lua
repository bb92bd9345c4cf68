-- requeue_overdue.lua — overdue jobs: dispatched, and no result by their
-- result deadline (ack_timeout_seconds after the dispatch).
--
-- KEYS[1] in-flight set   KEYS[2] due set   KEYS[3] counts
-- ARGV[1] now   ARGV[2] limit   ARGV[3] job key prefix   ARGV[4] retention (seconds)
-- Returns { requeued, unknown, id... }: the ids are every job taken off the
-- in-flight set, so the scheduler stops waiting for their results.
-- If no provider call was begun (no `calling` field, mark_call.lua) — the
-- push was lost with a worker or a socket, or a worker began it in a batch
-- (`sending`) and died before its turn — it certainly did not reach the
-- provider: it goes back to the due set to be dispatched again, and the
-- worker's `sending` mark is dropped. If a worker marked the call and never
-- recorded how it went, it may have reached the member: its fate is unknown,
-- and it is never sent again.
--#guard
--#fence
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local requeued, unknown = 0, 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[3] .. id
  if redis.call('HGET', key, 'state') == 'dispatched' then
    if redis.call('HEXISTS', key, 'calling') == 1 then
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
local out = {requeued, unknown}
for _, id in ipairs(ids) do out[#out + 1] = id end
return out
