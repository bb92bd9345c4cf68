// birthday.h — a member's (or a child's) birthday and the day it is kept.
//
// Written as people give it: "1990-08-15", or "--08-15" when the year is
// unknown (ISO 8601's year-less form). A birthday is kept once a year on the
// matching solar month and day; 29 February is kept on 28 February in common
// years, the day such customers celebrate on in China as elsewhere.
//
// The planner finds birthdays through an index keyed by month-day
// (index_month_day), so planning a day reads only the members due that day;
// `index_days_for` says which index entries a given date must read.
//
// Lunar birthdays ("lunar:1990-08-15") are parsed by the calendar issue's
// extension of this file; until then they are rejected with a clear reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"

namespace huitou {

struct Birthday {
    std::optional<int> year;  // nullopt when the year is unknown ("--MM-DD")
    unsigned month = 1;       // 1..12
    unsigned day = 1;         // 1..31, valid for the month (29 allowed in February)

    friend bool operator==(const Birthday&, const Birthday&) = default;
};

// Parses "YYYY-MM-DD" or "--MM-DD". On failure returns nullopt and, when
// `error` is given, says what is wrong in a sentence fit for an import report.
std::optional<Birthday> parse_birthday(std::string_view text, std::string* error = nullptr);
std::string format_birthday(const Birthday& b);

// The solar date on which the birthday is kept in `year`; nullopt if the year
// is before the birth year.
std::optional<Date> birthday_in_year(const Birthday& b, int year);

// True when `day` is the day the birthday is kept.
bool is_birthday_on(const Birthday& b, const Date& day);

// The age turned on the birthday kept in `year`, when the birth year is known.
std::optional<int> age_turned(const Birthday& b, int year);

// The index key of a birthday: "MM-DD" of its month and day as written.
std::string index_month_day(const Birthday& b);

// The index keys whose birthdays are kept on `day`: its own "MM-DD", plus
// "02-29" on 28 February of a common year.
std::vector<std::string> index_days_for(const Date& day);

}  // namespace huitou
