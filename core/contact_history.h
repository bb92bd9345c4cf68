// contact_history.h — the messages a member got lately, and what the caps say
// about one more.
//
// Each member's history is one field of their hash, `ch`, a space-separated
// list of "<day number><kind letter>" ("20711b 20715w": a birthday greeting on
// day 20711, a win-back four days later), at most 30 days back. It costs
// about 7 bytes a message and nothing for a member who got none: no field,
// no key. A contact is recorded when its job is dispatched
// (scripts/claim_due.lua, atomically with the caps check, so two scheduler
// runs or a job retried later cannot pass the caps together) — a message
// counts from the moment it may reach the member, and a failed attempt still
// counts: fewer messages, never more.
//
// The caps: at most policy.max_per_day messages on the store's local day,
// max_per_week in the 7 days ending today, max_per_30_days in the 30 days
// ending today, all kinds together (service notices count, and only the
// daily cap holds them back unless caps_apply_to_notices); and per-kind
// cooldowns: a kind waits N days after the last message of another kind.
// A care call marked done by the staff (core/care_rule.h) is a contact too,
// letter 'k' (no Kind: it is no message and never a job): it counts in the
// caps and as "another kind" for every cooldown, so a message does not
// follow a call within the cooldown.
// check_contact is the rule; claim_due.lua is the same rule in Lua, and an
// integration test holds the two together.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.h"
#include "core/policy_config.h"

namespace huitou {

struct Contact {
    int day = 0;  // the store's local day number (visit_cycle.h: days since 1970-01-01)
    std::optional<Kind> kind = Kind::birthday;  // nullopt: a care call (letter 'k')

    friend bool operator==(const Contact&, const Contact&) = default;
};

// How far back the history goes; cooldowns are at most this long.
inline constexpr int kContactHistoryDays = 30;

// b, c, f, e, w, p, a; n (welcome: never recorded, check_contact lets it go).
char kind_letter(Kind k);
// A care call's letter in the history: no kind has it.
inline constexpr char kCareCallLetter = 'k';
std::optional<Kind> kind_from_letter(char c);

// The stored field, and back. Parsing is tolerant: an entry that does not
// parse is dropped.
std::vector<Contact> parse_contacts(std::string_view text);
std::string format_contacts(const std::vector<Contact>& contacts);

enum class ContactCheck { ok, capped_day, capped_week, capped_30_days, cooldown };
std::string_view to_string(ContactCheck c);
// "capped" or "cooldown", the reason a preview shows; "" for ok.
std::string_view reason_of(ContactCheck c);

// May one more message of `kind` reach a member with `history` on day `today`?
// A welcome always may (core/welcome.h: outside the caps and cooldowns).
ContactCheck check_contact(const std::vector<Contact>& history, Kind kind, int today,
                           const PolicyConfig& policy);

// `history` with a message of `kind` on `today`, and without what is older
// than kContactHistoryDays; a welcome is not recorded: `history` unchanged.
// `kind` none: a care call (letter kCareCallLetter).
std::vector<Contact> with_contact(std::vector<Contact> history, int today,
                                  std::optional<Kind> kind);

}  // namespace huitou
