-- cancel_record.lua — included ("--#include cancel_record", after
-- webhook_event and record_lib) by the scripts that end a planned record
-- before it goes: a person's hold (cancel_records.lua), an opt-out (through
-- cancel_records.lua), an approval that leaves it unticked (approve_day.lua).
-- The record counterpart of cancel_job.lua, so each does the same thing:
-- the record ends `c` with its reason code, the day's and the store's counts
-- move from planned to cancelled, and the webhook event message.skipped
-- names the reason, as cancel_job.lua writes it.
--
-- cancel_record(k, day, index, field, value, at, err, reason, code):
-- k = {prefix, counts, on, events} (the store's key prefix "hu:{S}:" and
-- keys), `day` the sheet's due day ("YYYY-MM-DD"), `index` the sheet's
-- number in the day, `value` the record as read by the caller
-- (planned: the caller checked), `err` the webhook's detail when it differs
-- from `reason` (the webhook's reason), `code` the record reason kept
-- (core/job_record.h: held_by_staff, opted_out, not_approved, ...). A
-- record holds codes, not text: words that say more than the code (the
-- person's name in "held by staff wang", "not approved by boss") go to the
-- day's notes (hu:{S}:notes:<day>, field → words, kept as long as the day's
-- sheets) and the record says `e`, so the readers answer as a job hash's
-- error would.
local function cancel_record(k, day, index, field, value, at, err, reason, code)
  local ended = record_with_state(value, 'c', code)
  local day_counts = k.prefix .. 'sheets:' .. day
  if err ~= '' and err ~= code and err ~= reason then
    if not record_flag(ended, 'e') then ended = ended .. '/e' end
    local notes = k.prefix .. 'notes:' .. day
    redis.call('HSET', notes, field, err)
    local until_at = redis.call('EXPIRETIME', day_counts)
    if until_at > 0 then redis.call('EXPIREAT', notes, until_at) end
  end
  redis.call('HSET', k.prefix .. 'sheet:' .. day .. ':' .. index, field, ended)
  redis.call('HINCRBY', day_counts, 'planned', -1)
  redis.call('HINCRBY', day_counts, 'cancelled', 1)
  redis.call('HINCRBY', k.counts, 'planned', -1)
  redis.call('HINCRBY', k.counts, 'cancelled', 1)
  local kind = record_kind_of_letter[string.sub(field, 1, 1)] or ''
  local data = {job_id = record_job_id(field, day) or '', kind = kind,
                channel = record_channel(value), reason = reason}
  if err ~= reason then data.detail = err end
  webhook_event(k.on, k.events, 'message.skipped', record_member(field), at, data)
end

-- A sheet with no planned record left leaves the sheet due set (the claim
-- would only find nothing there and take it out itself; this saves it the
-- visit). A sheet that still has one keeps its score: it may be earlier
-- than needed now, and the claim moves it when it finds nothing due.
local function drop_idle_sheet(k, sheetdue, day, index)
  for _, v in ipairs(redis.call('HVALS', k.prefix .. 'sheet:' .. day .. ':' .. index)) do
    if string.sub(v, 1, 1) == 'p' then return end
  end
  redis.call('ZREM', sheetdue, day .. ':' .. index)
end
