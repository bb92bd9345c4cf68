// visit.h — one visit of a member to a store, as it comes in and is checked.
//
// Visits arrive from three doors — `huitou import-visits` (CSV),
// `huitou visit`, and the scheduler's live feed (ZeroMQ and HTTP from a
// point-of-sale system) — and all of them go through make_visit, so a time
// without an offset, an amount with three decimals or a visit dated next year
// is refused the same way everywhere, with a reason a shop assistant can act on.
//
// Identity: a visit is the member's visit with the POS's own `visit_id`
// (receipt or order number) when one is given, else the member's visit at that
// second. Importing a file twice, or a POS sending a visit again after a
// timeout, therefore records nothing new. A time with no offset is the store's
// local time; a bare date is 00:00 local that day (the cycle counts days, so
// the hour never matters to it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/civil_time.h"
#include "core/config.h"

namespace huitou {

struct Visit {
    std::string store;
    std::string member_id;
    SysSeconds at{};
    Date day;         // the store's local date of `at`
    std::string key;  // identity within the member: "id:<visit_id>" or "t:<unix seconds>"
    std::optional<long long> amount_cents;

    friend bool operator==(const Visit&, const Visit&) = default;
};

// A visit as written by its sender, before any check. Empty means absent.
struct VisitInput {
    std::string store;
    std::string member_id;
    std::string visited_at;  // empty: now
    std::string amount;      // "128.50"
    std::string visit_id;
};

struct VisitCheck {
    std::optional<Visit> visit;
    std::string error;  // set when there is no visit
};

// Checks `in` against the config; `now` stands in for a missing time and
// bounds the future (a visit more than a day ahead of now is refused).
VisitCheck make_visit(const VisitInput& in, const Config& config, SysSeconds now);

// "2027-09-01T19:30:00+08:00" or "...Z" (an instant); "2027-09-01 19:30",
// "2027-09-01T19:30:00" (local time in `zone`); "2027-09-01" (00:00 local).
std::optional<SysSeconds> parse_visit_time(std::string_view text, const date::time_zone* zone,
                                           std::string* error = nullptr);

// "128", "128.5", "128.50" → 12850 cents; no sign, at most two decimals.
std::optional<long long> parse_amount(std::string_view text, std::string* error = nullptr);
std::string format_amount(long long cents);  // "128.50"

// A POS visit id: [A-Za-z0-9_.:/-]{1,64}.
bool is_valid_visit_id(std::string_view id);

}  // namespace huitou
