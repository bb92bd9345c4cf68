// birthday.h — a member's (or a child's) birthday and the day it is kept.
//
// Written as people give it: "1990-08-15" or "--08-15" (year unknown, ISO
// 8601's year-less form) for a solar birthday; "lunar:1990-08-15",
// "lunar:1990-leap04-10" (born in a leap month) or "lunar:--08-15" for a
// lunar (农历) one. A birthday is kept once a year, by these rules:
//   - 29 February is kept on 28 February in common years;
//   - a lunar 30th is kept on the 29th when that month has 29 days this year;
//   - a leap-month birthday is kept in the leap month when the year has it,
//     else in the ordinary month of that number;
//   - an ordinary-month lunar birthday is never kept in a leap month, so it is
//     kept once even in a year that doubles its month;
//   - the day of birth itself is not a birthday: the first is a year later.
//
// Planning finds birthdays through index sets (member_write.h) named by
// birthday_index_key; birthday_index_keys_on answers which of them a date
// reads, with the rules above folded in, so planning a day reads only the
// members due that day. The lunar calendar is lunar_calendar.h's (1901–2099):
// a lunar birthday outside it is not kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"

namespace huitou {

struct Birthday {
    bool lunar = false;       // the lunar calendar's month and day
    std::optional<int> year;  // nullopt when unknown; a lunar year is named by
                              // the solar year of its 正月初一
    unsigned month = 1;       // 1..12
    unsigned day = 1;         // 1..31 (solar, valid for the month; 29 allowed in
                              // February) or 1..30 (lunar)
    bool leap = false;        // lunar: born in the leap month after `month`

    friend bool operator==(const Birthday&, const Birthday&) = default;
};

// Parses the forms above. A lunar birthday with a year must exist in that
// year (lunar:1990-leap04-10 does not: lunar 1990 doubles its 5th month). On
// failure returns nullopt and, when `error` is given, says what is wrong in a
// sentence fit for an import report.
std::optional<Birthday> parse_birthday(std::string_view text, std::string* error = nullptr);
std::string format_birthday(const Birthday& b);

// The day the birthday is kept in `year` of its own calendar (the solar year,
// or the lunar year); nullopt in the birth year and before, and for a lunar
// year outside the calendar.
std::optional<Date> kept_in(const Birthday& b, int year);

// The first day on or after `today` the birthday is kept (a solar date, for
// a lunar birthday too: what the member's page shows next to 农历八月十五);
// nullopt when none is within the calendar.
std::optional<Date> next_kept(const Birthday& b, const Date& today);

// True when `day` is the day the birthday is kept.
bool is_birthday_on(const Birthday& b, const Date& day);

// The age turned on the birthday kept on `day` (the caller has established it
// is kept that day); nullopt when the birth year is unknown.
std::optional<int> age_turned(const Birthday& b, const Date& day);

// Completed years on `day` (birthdays kept on or before it); nullopt when the
// birth year is unknown, `day` is before the birth, or outside the calendar.
std::optional<int> age_on(const Birthday& b, const Date& day);

// The index key of a birthday: "bd:MM-DD" (solar), "lbd:MM-DD" or
// "lbd:leapMM-DD" (lunar), of its month and day as written.
std::string birthday_index_key(const Birthday& b);

// The index keys whose birthdays may be kept on `day`: its solar "bd:MM-DD"
// (and "bd:02-29" on 28 February of a common year), and its lunar keys (a
// 29th that ends its month also reads the 30th; an ordinary month of a year
// without its leap twin also reads the leap-month key).
std::vector<std::string> birthday_index_keys_on(const Date& day);

// Every key birthday_index_key can return (366 solar, 720 lunar).
std::vector<std::string> all_birthday_index_keys();

}  // namespace huitou
