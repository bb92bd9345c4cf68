// visit_state.h — what huitou keeps about a member's visits, and where the
// member stands in the win-back cycle.
//
// One Redis hash per member and store (hu:{S}:v:<member>), written only by
// scripts/record_visit.lua (a visit) and scripts/winback_transition.lua (a
// planning step), read here. It holds the last visit, a bounded history (the
// latest `history` visits, oldest first, as JSON), the cycle and lapse day the
// script computed, and the win-back state:
//
//   active ──lapse day──► (lapsed) ──reminder──► reminded ──follow-ups──► churned
//     ▲                      │ unreachable: parked, looked at again later
//     └─── a visit: active, or `returned` if a reminder had reached them ───┘
//
// A member's "episode" is their absence since the last visit; it is named by
// the last visit's date, and the win-back jobs of an episode are
// winback:<member>:<last visit date>:<n>, n = 1 (the reminder), 2, ... — so a
// visit can find and cancel them without an index of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/member.h"

namespace huitou {

enum class WinbackState { active, lapsed, reminded, returned, churned };
std::string_view to_string(WinbackState s);
std::optional<WinbackState> parse_winback_state(std::string_view s);

namespace visit_field {
inline constexpr std::string_view last = "last";            // Unix seconds of the last visit
inline constexpr std::string_view last_date = "last_date";  // its local date: the episode
inline constexpr std::string_view history = "hist";         // [[at, day, key, cents|null], ...]
inline constexpr std::string_view state = "state";          // WinbackState
inline constexpr std::string_view step = "step";            // reminders planned this episode
inline constexpr std::string_view lapse = "lapse";          // active/returned: first lapsed day
inline constexpr std::string_view next = "next";            // otherwise: the day to look again
inline constexpr std::string_view cycle = "cycle";          // days, as last computed
inline constexpr std::string_view visits = "n";             // visits recorded, all time
}  // namespace visit_field

struct VisitRecord {
    SysSeconds at{};
    int day = 0;  // day number (visit_cycle.h) of the store's local date
    std::string key;
    std::optional<long long> amount_cents;

    friend bool operator==(const VisitRecord&, const VisitRecord&) = default;
};

struct VisitState {
    SysSeconds last{};
    Date last_date;
    std::vector<VisitRecord> history;  // oldest first
    WinbackState state = WinbackState::active;
    int step = 0;
    std::optional<int> lapse_day;
    std::optional<int> next_day;
    double cycle = 0;
    long long visits = 0;

    // The distinct visit days in the history, for visit_cycle.h.
    std::vector<int> visit_days() const;
};

// The state stored in `fields`; nullopt when the member has no visit (or the
// hash is unreadable: no last visit or date).
std::optional<VisitState> visit_state_from_fields(const FieldMap& fields);

}  // namespace huitou
