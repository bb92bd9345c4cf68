-- begin_send.lua — a worker's promise, made before the provider call, that
-- this dispatch of the job is the only one that will be sent.
--
-- KEYS[1] job hash
-- ARGV[1] the dispatch's attempt number   ARGV[2] worker name   ARGV[3] now
-- Returns "ok", or why the worker must not send: "missing", "state:<state>"
-- (already sent, failed, ...), "stale" (an older dispatch of a job dispatched
-- again since), "sending" (another worker holds it).
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'dispatched' then return 'state:' .. state end
if redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[1] then return 'stale' end
if redis.call('HSETNX', KEYS[1], 'sending', ARGV[2]) == 0 then return 'sending' end
redis.call('HSET', KEYS[1], 'sending_at', ARGV[3])
return 'ok'
