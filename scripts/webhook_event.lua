-- webhook_event.lua — included ("--#include webhook_event", io/lua_script.h)
-- by every script whose change a webhook reports, so the event is written
-- atomically with the change: it exists exactly when the change does.
--
-- webhook_event(on, events, type, member, at, data) appends to the store's
-- stream `events` (hu:{S}:wh:events) the fields t (type), m (member id, ''
-- when none), at (Unix seconds), d (data: cjson of a table of strings —
-- numbers would come out as 1.7e+09) — but only when the store has a
-- webhook endpoint (the flag key `on`, hu:{S}:wh:on, set by registration and
-- by the dispatcher): a store without one pays one EXISTS per script call.
-- Both keys are passed in KEYS by the caller (cluster-safe). The dispatcher
-- (io/webhook_dispatcher.h) delivers the stream and trims it by age.
local webhook_on = nil
local function webhook_event(on, events, type, member, at, data)
  if webhook_on == nil then webhook_on = redis.call('EXISTS', on) == 1 end
  if not webhook_on then return end
  redis.call('XADD', events, '*', 't', type, 'm', member or '', 'at', tostring(at),
             'd', cjson.encode(data))
end
