-- apply_member_write.lua — store the writes of several members of one store
-- (core/member_write.h), each applied only if its own guard holds.
--
-- KEYS[j]  member j's hash (every key of one store: one hash tag, one slot)
-- ARGV[1]  the store's key prefix ("hu:{toyland}:")
-- then, for each member j in KEYS order, its id and five counted lists:
--   guard   n, field, expected ...  ("" = field absent); n = -1: the member
--           must not exist at all (a write planned for a new member)
--   set     n, field, value ...
--   clear   n, field ...
--   remove  n, index suffix, kind ("s" index | "z" sorted set) ...
--   add     n, index suffix, score ("" for an index) ...
-- An index ("s") is a hash whose fields are the member ids, values empty:
-- Redis 7.0 keeps a hash of up to hash-max-listpack-entries fields as one
-- listpack (about 12 bytes an id) where a set of strings is a hashtable
-- (about 50); Redis 7.2's listpack sets would do as well.
-- Returns one integer per member: 1 applied, 0 its guard failed (a concurrent
-- change: the caller reads that member again and retries). Batching is for
-- speed: a script call costs Redis more than the few commands inside it.
-- Index keys share the members' hash tag, so the script stays in one slot.
--#guard
--#fence
local prefix = ARGV[1]
local i = 2
local applied = {}

for j = 1, #KEYS do
  local key, id = KEYS[j], ARGV[i]
  i = i + 1
  local ok = true
  local n = tonumber(ARGV[i]); i = i + 1
  if n < 0 then
    ok = redis.call('EXISTS', key) == 0
  else
    for _ = 1, n do
      if ok and (redis.call('HGET', key, ARGV[i]) or '') ~= ARGV[i + 1] then ok = false end
      i = i + 2
    end
  end

  -- Past the guard, the lists are applied, or skipped when it failed.
  n = tonumber(ARGV[i]); i = i + 1
  if ok and n > 0 then
    redis.call('HSET', key, unpack(ARGV, i, i + 2 * n - 1))
  end
  i = i + 2 * n

  n = tonumber(ARGV[i]); i = i + 1
  if ok and n > 0 then
    redis.call('HDEL', key, unpack(ARGV, i, i + n - 1))
  end
  i = i + n

  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    if ok then
      if ARGV[i + 1] == 'z' then
        redis.call('ZREM', prefix .. ARGV[i], id)
      else
        redis.call('HDEL', prefix .. ARGV[i], id)
      end
    end
    i = i + 2
  end

  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    if ok then
      if ARGV[i + 1] == '' then
        redis.call('HSET', prefix .. ARGV[i], id, '')
      else
        redis.call('ZADD', prefix .. ARGV[i], ARGV[i + 1], id)
      end
    end
    i = i + 2
  end
  applied[j] = ok and 1 or 0
end
return applied
