-- gcra.lua — one GCRA decision, atomically, for every worker sharing a limit.
--
-- The Redis twin of core/gcra.cpp (read that header for the algorithm and
-- its guarantee: with GcraLimit::per(R, P, B), every half-open window of
-- length P passes at most R + B units). Redis runs a script to completion
-- before the next command, so N workers calling this on one key share one
-- theoretical arrival time (TAT) and together never exceed the limit; and
-- `now` is Redis TIME, so all workers see one clock, whatever their own
-- clocks say.
--
-- KEYS[1]  the TAT key (e.g. huitou:{provider:aliyun:acct}:gcra); the value is
--          Unix microseconds as a decimal integer string
-- ARGV[1]  emission interval T in microseconds   (GcraLimit::emission_interval)
-- ARGV[2]  burst tolerance tau in microseconds   (GcraLimit::burst_tolerance)
-- ARGV[3]  cost, an integer >= 1 (default 1)
-- Returns  {1, 0}        allowed; the new TAT is stored with PEXPIRE
--          {0, wait_us}  limited; retry after wait_us microseconds
--          {0, -1}       never: cost × T > tau + T, no wait helps
--
-- Numbers: Lua numbers are doubles; Unix microseconds (~1.7e15) are below
-- 2^53, so they are exact. But Lua's tostring prints only 14 significant
-- digits, so the TAT is written with string.format('%d'), never tostring.

-- Scripts that write after reading TIME must replicate effects, not the
-- script (Redis 3.2–4); from Redis 5 on that is the default and this is a no-op.
if redis.replicate_commands then redis.replicate_commands() end

local key = KEYS[1]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3] or '1')
if not interval or interval < 1 or not tolerance or tolerance < 0 or not cost or cost < 1 then
    -- A caller bug, not a rate decision: fail loudly rather than guess.
    return redis.error_reply('gcra.lua: need interval_us >= 1, tolerance_us >= 0, cost >= 1')
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local increment = cost * interval
if increment > tolerance + interval then
    return {0, -1}
end

local tat = tonumber(redis.call('GET', key))
if tat == nil or tat < now then
    tat = now  -- absent, or in the past: the same thing
end
local new_tat = tat + increment
local allow_at = new_tat - (tolerance + interval)
if now < allow_at then
    return {0, allow_at - now}
end

redis.call('SET', key, string.format('%d', new_tat))
-- After new_tat the stored value means the same as no value: let it go.
redis.call('PEXPIRE', key, math.ceil((new_tat - now) / 1000))
return {1, 0}
