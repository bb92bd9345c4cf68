-- wechat_token.lua — a WeChat access token was rejected (40001 / 42001).
--
-- KEYS[1] the shared token (hash)   KEYS[2] the last rejected token
-- ARGV[1] the token the caller saw rejected
-- The cached token is dropped only if it is still the rejected one, so a
-- worker holding an old token never throws away the fresh one another worker
-- just fetched. The rejected token is remembered for ten minutes, so that
-- whichever worker fetches next knows that normal mode handing it out again
-- means a forced refresh is needed.
-- Returns 1 if the cached token was dropped, else 0.
redis.call('SET', KEYS[2], ARGV[1], 'EX', 600)
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
