// care_list.h — one entry of a store's day's care list, as stored and shown.
//
// A day's list is a hash, hu:{S}:care:<YYYY-MM-DD>: member id → entry
// "<state>|<segment 0-7>|<at>|<by>|<note>" — the state first (the Lua
// script reads it), the note last (it may hold anything, '|' included). An
// entry is `open` when the list is built; the staff mark it `done` (已联系:
// counts as a contact), `no_answer` (未接通: she comes back another day of
// her period) or `stop` (不再致电: no care call again). Done and stop are
// final; open and no_answer can be marked. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/send_window.h"
#include "core/value_segment.h"

namespace huitou {

enum class CareState { open, done, no_answer, stop };
std::string_view to_string(CareState s);        // "open", "done", "no_answer", "stop"
std::string_view care_state_name(CareState s);  // 待联系, 已联系, 未接通, 不再致电
// "done" / "no_answer" / "stop" / "open", or the Chinese names.
std::optional<CareState> parse_care_state(std::string_view text);
inline bool is_final(CareState s) {
    return s == CareState::done || s == CareState::stop;
}

struct CareEntry {
    std::string member;
    CareState state = CareState::open;
    ValueSegment segment = ValueSegment::important_value;  // when the list was built
    SysSeconds at{};                                       // the last mark (0: none)
    std::string by;                                        // who marked it
    std::string note;

    friend bool operator==(const CareEntry&, const CareEntry&) = default;
};

// The stored value (without the member, which is the field), and back;
// nullopt when malformed.
std::string encode_care_entry(const CareEntry& e);
std::optional<CareEntry> decode_care_entry(std::string_view member, std::string_view value);

// An entry as the staff see it: the entry and the member as she is now.
struct CareRow {
    CareEntry entry;
    bool member_exists = false;
    std::string name;
    std::string phone;                   // E.164 or empty
    std::optional<Date> last_visit;      // from her segment's R
    std::optional<Date> last_contact;    // her latest message or care call (`ch`)
    std::vector<TimeWindow> work_hours;  // when she is at work, Monday to Friday (`wh`)
    std::vector<TimeWindow> hours;       // when to call her that day (core/care_rule.h care_hours)
};

struct CareDay {
    Date day;
    SysSeconds built_at{};
    std::optional<SysSeconds> pushed_at;
    std::vector<CareRow> rows;  // in rank order, as built
};

// Notes are short: the console's and the CLI's limit, in bytes.
inline constexpr std::size_t kCareNoteMax = 500;

}  // namespace huitou
