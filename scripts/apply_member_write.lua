-- apply_member_write.lua — store one member's write (core/member_write.h).
--
-- KEYS[1]  the member hash
-- ARGV[1]  member id;  ARGV[2]  the store's key prefix ("hu:{toyland}:")
-- then four counted lists:
--   guard   n, field, expected ...  ("" = field absent)
--   set     n, field, value ...
--   clear   n, field ...
--   remove  n, index suffix, kind ("s" set | "z" sorted set) ...
--   add     n, index suffix, score ("" for a set) ...
-- Returns 1 when applied, 0 when the guard failed (a concurrent change: the
-- caller reads again and retries). Index keys share the member's hash tag, so
-- the script stays in one cluster slot.
local id, prefix = ARGV[1], ARGV[2]
local i = 3

local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local stored = redis.call('HGET', KEYS[1], ARGV[i]) or ''
  if stored ~= ARGV[i + 1] then return 0 end
  i = i + 2
end

n = tonumber(ARGV[i]); i = i + 1
if n > 0 then
  local args = {}
  for k = 0, 2 * n - 1 do args[#args + 1] = ARGV[i + k] end
  redis.call('HSET', KEYS[1], unpack(args))
  i = i + 2 * n
end

n = tonumber(ARGV[i]); i = i + 1
if n > 0 then
  local args = {}
  for k = 0, n - 1 do args[#args + 1] = ARGV[i + k] end
  redis.call('HDEL', KEYS[1], unpack(args))
  i = i + n
end

n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  if ARGV[i + 1] == 'z' then
    redis.call('ZREM', prefix .. ARGV[i], id)
  else
    redis.call('SREM', prefix .. ARGV[i], id)
  end
  i = i + 2
end

n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  if ARGV[i + 1] == '' then
    redis.call('SADD', prefix .. ARGV[i], id)
  else
    redis.call('ZADD', prefix .. ARGV[i], ARGV[i + 1], id)
  end
  i = i + 2
end
return 1
