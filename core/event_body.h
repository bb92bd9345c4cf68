// event_body.h — an event a shop's system sends (POST /api/v1/stores/<S>/events),
// read and checked.
//
//   {"event_id": "POS1-000123", "type": "visit", "member_id": "M01",
//    "at": "2027-09-15T19:30:00+08:00",          optional: now
//    "amount": "128.50"}                         visit: optional, as /api/visits
//   … "type": "card_renewal", "card_expires": "2028-09-30"
//   … "type": "consent", "channel": "sms" | "wechat", "event": "opt_in" | "opt_out",
//        "evidence": "signed the form at the counter"
//
// One event, one meaning, whatever door: a visit becomes the VisitInput of
// POST /api/visits (core/visit.h checks it; the event_id is its visit_id, so
// the visit's own dedup applies); a card renewal becomes a merge of the
// member's card_expires through the member body's code (core/member_body.h:
// the import's parser); a consent event a ConsentEvent (core/consent.h) with
// source api. Every error names its field, with the event's names ("at", not
// "visited_at"). A key the type does not take is an error, as in a member
// body: a typo must not pass silently. The store comes from the URL; a body
// may repeat it, not contradict it. Pure: `now` and the config are arguments.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/consent.h"
#include "core/member_row.h"
#include "core/visit.h"

namespace huitou {

enum class EventType { visit, card_renewal, consent };
std::string_view to_string(EventType t);

struct ApiEvent {
    std::string event_id;
    EventType type = EventType::visit;
    std::string member_id;
    SysSeconds at{};
    Visit visit;           // type visit
    MemberRecord card;     // type card_renewal: the merge of card_expires
    ConsentEvent consent;  // type consent: source api, no address yet (the member's)
};

struct EventCheck {
    std::optional<ApiEvent> event;
    std::string error = {};  // "field: what is wrong"
};

// Reads one event of `store` (configured: the caller checked). `who` names
// the caller for the consent ledger's detail ("API key 3f7kq2ab (pos-sync)").
EventCheck read_event(const nlohmann::json& object, const std::string& store, const Config& config,
                      const MemberRowParser& parser, SysSeconds now, const std::string& who);

// How long an event id is remembered: a repeat within it records nothing.
inline constexpr long long kEventIdKeepSeconds = 30LL * 24 * 3600;

}  // namespace huitou
