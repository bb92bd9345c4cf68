// festival_rule.h — the date rules festivals follow, and the days each falls
// on in a solar year.
//
// Written in config as short text a TOML file can hold: "solar:10-01" (国庆),
// "lunar:08-15" (中秋; the ordinary month, never the leap one),
// "weekday:05-2-sun" or "weekday:05-last-sun" (Mother's Day), "lunar_year_end"
// (除夕, the 29th or 30th of the 12th month) and "term:qingming" (清明).
// occurrences_in answers per solar year because the planner asks that way; a
// lunar rule falls 0, 1 or 2 times in one (腊八, lunar 12-08, fell on
// 2022-01-10 and 2022-12-30, and not at all in 2023).
//
// Pure date arithmetic over lunar_calendar.h and solar_terms.h. No audiences,
// lead days or birthday fallbacks: a festival on a day that does not exist
// that year (a lunar 30th in a short month, 02-29) is skipped, not moved.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <date/date.h>

#include "core/solar_terms.h"

namespace huitou {

struct SolarDateRule {
    int month = 1;  // 1..12
    int day = 1;    // 1..31, valid for the month; 02-29 occurs in leap years only

    friend bool operator==(const SolarDateRule&, const SolarDateRule&) = default;
};

// Always the ordinary month: a festival is not kept again in a leap month.
struct LunarDateRule {
    int month = 1;  // 1..12
    int day = 1;    // 1..30; a 30th does not occur in a 29-day month

    friend bool operator==(const LunarDateRule&, const LunarDateRule&) = default;
};

struct NthWeekdayRule {
    static constexpr int kLast = -1;
    int month = 1;  // 1..12
    int nth = 1;    // 1..5, or kLast; a 5th that is missing does not occur
    date::weekday weekday = date::Sunday;

    friend bool operator==(const NthWeekdayRule&, const NthWeekdayRule&) = default;
};

// 除夕: the day before 正月初一.
struct LunarYearEndRule {
    friend bool operator==(const LunarYearEndRule&, const LunarYearEndRule&) = default;
};

struct SolarTermRule {
    SolarTerm term = SolarTerm::qingming;

    friend bool operator==(const SolarTermRule&, const SolarTermRule&) = default;
};

using FestivalRule =
    std::variant<SolarDateRule, LunarDateRule, NthWeekdayRule, LunarYearEndRule, SolarTermRule>;

// Every day in `solar_year` on which the rule falls, ascending. Lunar and
// solar-term rules have no days outside 1901..2099 (the calendar's range);
// solar and weekday rules work for any year.
std::vector<date::year_month_day> occurrences_in(const FestivalRule& rule, int solar_year);

// The text forms above, exactly (two-digit month and day, lower-case weekday
// mon..sun). On failure returns nullopt and, when `error` is given, a
// sentence naming the input and what is wrong with it.
std::optional<FestivalRule> parse_festival_rule(std::string_view text,
                                                std::string* error = nullptr);

// The canonical text of a rule; parse_festival_rule reads it back.
std::string format_festival_rule(const FestivalRule& rule);

}  // namespace huitou
