-- set_segments.lua — members' value segments written, with the store's
-- counts kept by generation (io/segment_store.h, core/value_segment.h).
--
-- KEYS[1] the store's segments hash (hu:{S}:seg)   KEYS[2..] member hashes
-- ARGV[i] the stored segment for KEYS[i + 1] ("<code>,<day>,<R>,<F>,<M>"),
-- or "" to clear it (no visit in the period).
-- Returns how many members were changed.
--
-- The counts n0..n7 of hu:{S}:seg count the members whose segment carries
-- the current generation (`gen`, the thresholds' day): a segment of another
-- generation counts nowhere, so the nightly run, which resets the counts as
-- it starts a generation, and the visits between two runs keep them exact.
-- A member hash that does not exist is not created: a visit of a member not
-- in the member list, or one erased meanwhile, gets no segment.
--
-- Each segment also has an index of its members, whatever the generation:
-- hu:{S}:seg:<code>, a hash whose fields are member ids (values empty), so
-- the care list (io/care_store.h) reads only the members of its segments.
-- An erased member may stay in it (erase_member.lua does not know it); her
-- reader finds no segment in her gone hash and passes her by.
--#guard
--#fence
local seg = KEYS[1]
local gen = redis.call('HGET', seg, 'gen')
local changed = 0
local function count(value, by)
  if not value or value == '' then return end
  local code, day = string.match(value, '^(%d),(%d+),')
  if code and day == gen then redis.call('HINCRBY', seg, 'n' .. code, by) end
end
local function code_of(value)
  return string.match(value or '', '^(%d),')
end
for i = 2, #KEYS do
  local m, new = KEYS[i], ARGV[i - 1]
  if redis.call('EXISTS', m) == 1 then
    local old = redis.call('HGET', m, 'sg')
    if (old or '') ~= new then
      count(old, -1)
      local id = string.match(m, ':m:(.*)$')
      local was, now = code_of(old), code_of(new)
      if was ~= now then
        if was then redis.call('HDEL', seg .. ':' .. was, id) end
        if now then redis.call('HSET', seg .. ':' .. now, id, '') end
      end
      if new == '' then
        redis.call('HDEL', m, 'sg')
      else
        redis.call('HSET', m, 'sg', new)
        count(new, 1)
      end
      changed = changed + 1
    end
  end
end
return changed
