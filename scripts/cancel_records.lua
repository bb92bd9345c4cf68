-- cancel_records.lua — planned records of day sheets cancelled before they
-- go (issue 20's job store, layout 2: a planned job has no hash until its
-- claim): a person's hold through JobStore::cancel_planned, an opt-out
-- through ConsentStore::record (io/sheet_store.h, SheetStore::cancel).
--
-- KEYS[1] the store's counts   KEYS[2] the sheet due set (hu:{S}:sheetdue)
-- KEYS[3] webhook flag (hu:{S}:wh:on)   KEYS[4] webhook events (hu:{S}:wh:events)
-- ARGV[1] at   ARGV[2] the store's key prefix ("hu:{toyland}:")
-- ARGV[3] the error (the webhook's detail)   ARGV[4] the webhook's reason
-- ARGV[5] the record reason kept (held_by_staff, opted_out, ...)
-- ARGV[6] the channel ("sms", "wechat"; "" = any): a record to another is left
-- then 3 values a record: its due day ("YYYY-MM-DD"), sheet number, field.
-- Returns, per record, its value before ('' for none): one that was planned
-- (`p`, on the channel) is now cancelled; any other was left as it was.
--
-- Only a planned record is cancelled: `d` means its job hash holds it from
-- the claim on (cancel_jobs.lua's business), and a record that ended stays
-- ended. Each touched sheet with no planned record left leaves the due set
-- (drop_idle_sheet); one that still has some keeps its score.
--#guard
--#fence
--#include webhook_event
--#include record_lib
--#include cancel_record
local at, prefix, err, reason, code, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local k = {prefix = prefix, counts = KEYS[1], on = KEYS[3], events = KEYS[4]}
local out, touched = {}, {}
for i = 7, #ARGV, 3 do
  local day, index, field = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local value = redis.call('HGET', prefix .. 'sheet:' .. day .. ':' .. index, field) or ''
  if record_state(value) == 'p' and (channel == '' or record_channel(value) == channel) then
    cancel_record(k, day, index, field, value, at, err, reason, code)
    touched[day .. ':' .. index] = {day, index}
  end
  out[#out + 1] = value
end
for _, sheet in pairs(touched) do drop_idle_sheet(k, KEYS[2], sheet[1], sheet[2]) end
return out
