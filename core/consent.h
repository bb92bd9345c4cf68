// consent.h — who agreed to hear from a store, on which channel, and the
// evidence for it.
//
// Consent has two layers, each with one owner:
//   - the shop's record: the member's sms_optin / wechat_optin flags, set by
//     imports (the shop's own export) and by explicit opt-ins and opt-outs;
//   - the member's own opt-out: the address (E.164 phone or openid) on the
//     store's opt-out list for the channel (hu:{S}:optout:<channel>), put
//     there by every opt-out that is not an import — a reply "T", a WeChat
//     unsubscribe, a word at the counter, an API call, a provider saying the
//     user opted out.
// A member may get a marketing message on a channel when the flag says yes
// and the address is not on the list; a service notice (card expiry) only
// needs the address off the list (policy.notices_need_optin asks for more).
//
// Precedence, then, is structural: an import sets the shop's flag but never
// takes an address off the list, so a member who replied "T" after the
// export was made stays opted out however often the file is imported. Only
// an explicit opt-in — at the counter, through the API, or (for WeChat) a
// subscribe event — recorded after the opt-out lifts it. An import can still
// withdraw consent (a "0" clears the flag): it errs toward fewer messages.
//
// Every change is an event in the store's ledger (a Redis stream, appended,
// never rewritten): when, which store, which channel, in or out, the source,
// the member and/or the address, and the detail (the reply's text, the
// provider's answer, the assistant's note, the import file). An SMS reply
// names a number, not a member, so its event carries the address; an import
// writes one event per batch naming its members. events_about picks a
// member's events out of the ledger.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/job.h"
#include "core/member.h"

namespace huitou {

enum class ConsentSource { import, counter, sms_reply, wechat_event, api, provider };
std::string_view to_string(ConsentSource s);
// Also reads "provider_error", the name of provider opt-outs in older ledgers.
std::optional<ConsentSource> parse_consent_source(std::string_view s);

struct ConsentEvent {
    std::string id;  // the ledger entry's id, when read from it
    SysSeconds at{};
    std::string store;
    Channel channel = Channel::sms;
    bool opt_in = false;  // else an opt-out
    ConsentSource source = ConsentSource::counter;
    std::string member;                // the member, when known
    std::string address;               // E.164 phone or openid, when known
    std::vector<std::string> members;  // an import batch: every member it changed
    std::string detail;                // reply text, provider answer, note, file name
    // A change of the shop's consent flag written with the member (a member
    // write through the API; an import is one by its source): the shop's
    // record, not the member's word — it neither opts out nor lifts an
    // opt-out. Stored as the field record=shop.
    bool shop_record = false;

    friend bool operator==(const ConsentEvent&, const ConsentEvent&) = default;
};

// Why `e` cannot be recorded, or nullopt: an opt-in must come from an
// explicit source (counter, api; wechat_event on WeChat) — or an import,
// which only sets the shop's flag; an event names a member or an address;
// an import names its members.
std::optional<std::string> check_consent_event(const ConsentEvent& e);

// An opt-out the member made (every source but import, and no shop record):
// the address goes on the store's opt-out list, where only lifts_opt_out
// events take it off.
bool is_opt_out(const ConsentEvent& e);
bool lifts_opt_out(const ConsentEvent& e);

// The ledger's stream fields, and back (nullopt: not a consent event).
FieldMap to_fields(const ConsentEvent& e);
std::optional<ConsentEvent> consent_event_from_fields(std::string id, const FieldMap& fields);

// True when `e` is about `m`: it names them, lists them (an import), or
// names their current address on its channel.
bool concerns(const ConsentEvent& e, const Member& m);

// The member's address on `c`: phone for SMS, openid for WeChat (may be empty).
const std::string& address_of(const Member& m, Channel c);
// The member's consent flag for `c` (the shop's record).
bool optin_of(const Member& m, Channel c);

// One channel's consent for one member, explained.
struct ChannelConsent {
    bool reachable = false;   // has an address on the channel
    bool agreed = false;      // the shop's flag
    bool opted_out = false;   // the address is on the opt-out list (JSON "refused")
    bool subscribed = false;  // WeChat: subscribed to the store's notices (greetings need it)
    bool marketing = false;   // may get greetings and win-backs here
    bool notices = false;     // may get service notices here
    std::string why;          // one line for people
};

// `opted_out`: whether the member's address is on the store's opt-out list for
// `c`; `events`: the member's ledger events, oldest first (for the why).
ChannelConsent explain_consent(const Member& m, Channel c, bool opted_out, bool notices_need_optin,
                               const std::vector<ConsentEvent>& events,
                               const date::time_zone* zone);

}  // namespace huitou
