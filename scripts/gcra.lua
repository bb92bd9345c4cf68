-- gcra.lua — one GCRA decision over one or more limits, atomically, for
-- every worker sharing them.
--
-- The Redis twin of core/gcra.cpp (read that header for the algorithm and
-- its guarantee: with GcraLimit::per(R, P, B), every half-open window of
-- length P passes at most R + B units). Redis runs a script to completion
-- before the next command, so N workers calling this on one key share one
-- theoretical arrival time (TAT) and together never exceed the limit; and
-- `now` is Redis TIME, so all workers see one clock, whatever their own
-- clocks say. Several keys are decided together — all pass and all are
-- charged, or none is charged: a recipient's minute, hour and day caps. On
-- Redis Cluster the keys of one call must share a hash tag.
--
-- KEYS[i]      the TAT key of limit i; the value is Unix microseconds as a
--              decimal integer string
-- ARGV[2i-1]   limit i's emission interval T in microseconds (>= 1)
-- ARGV[2i]     limit i's burst tolerance tau in microseconds (>= 0)
-- ARGV[2n+1]   cost, an integer >= 1 (optional, default 1)
-- Returns  {1, 0, 0, ..., now}               allowed; every new TAT stored with PEXPIRE
--          {0, wait_us, w_1, ..., w_n, now}    limited; wait_us = the largest w_i, and
--                                              w_i = 0 for a limit that would pass
--          {0, -1, w_1, ..., w_n, now}         never: some cost × T > tau + T (w_i = -1)
--          where now is the Redis TIME of the decision, in Unix microseconds.
--
-- Numbers: Lua numbers are doubles; Unix microseconds (~1.7e15) are below
-- 2^53, so they are exact. But Lua's tostring prints only 14 significant
-- digits, so the TAT is written with string.format('%d'), never tostring.

-- Scripts that write after reading TIME must replicate effects, not the
-- script (Redis 3.2–4); from Redis 5 on that is the default and this is a no-op.
if redis.replicate_commands then redis.replicate_commands() end

local n = #KEYS
if n < 1 or (#ARGV ~= 2 * n and #ARGV ~= 2 * n + 1) then
    return redis.error_reply('gcra.lua: need KEYS[1..n] and ARGV = (interval_us, tolerance_us) x n [, cost]')
end
local cost = tonumber(ARGV[2 * n + 1] or '1')
if not cost or cost < 1 then
    return redis.error_reply('gcra.lua: cost must be >= 1')
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local waits, new_tats = {}, {}
local worst, never = 0, false
for i = 1, n do
    local interval = tonumber(ARGV[2 * i - 1])
    local tolerance = tonumber(ARGV[2 * i])
    if not interval or interval < 1 or not tolerance or tolerance < 0 then
        -- A caller bug, not a rate decision: fail loudly rather than guess.
        return redis.error_reply('gcra.lua: need interval_us >= 1, tolerance_us >= 0')
    end
    local increment = cost * interval
    if increment > tolerance + interval then
        waits[i] = -1
        never = true
    else
        local tat = tonumber(redis.call('GET', KEYS[i]))
        if tat == nil or tat < now then
            tat = now  -- absent, or in the past: the same thing
        end
        local new_tat = tat + increment
        local allow_at = new_tat - (tolerance + interval)
        if now < allow_at then
            waits[i] = allow_at - now
            if waits[i] > worst then worst = waits[i] end
        else
            waits[i] = 0
            new_tats[i] = new_tat
        end
    end
end

if never then
    local out = {0, -1}
    for i = 1, n do out[#out + 1] = waits[i] end
    out[#out + 1] = now
    return out
end
if worst > 0 then
    local out = {0, worst}
    for i = 1, n do out[#out + 1] = waits[i] end
    out[#out + 1] = now
    return out
end
for i = 1, n do
    redis.call('SET', KEYS[i], string.format('%d', new_tats[i]))
    -- After new_tat the stored value means the same as no value: let it go.
    redis.call('PEXPIRE', KEYS[i], math.ceil((new_tats[i] - now) / 1000))
end
local out = {1, 0}
for i = 1, n do out[#out + 1] = 0 end
out[#out + 1] = now
return out
