// lunar_calendar.h — the official Chinese lunar calendar (农历), 1901–2099.
//
// A table, not a computation: one word per lunar year 1900..2099 (which months
// have 30 days, which month is doubled, how long the leap month is) as the
// Hong Kong Observatory publishes it, in agreement with the Purple Mountain
// Observatory. Astronomical code (ICU, most libraries) gets the months wrong
// whose new moon or major solar term falls minutes from midnight Beijing time,
// and a festival a day late is a bug our users see; docs/calendar.md says where
// the table came from and how lunar_calendar_test checks every day.
//
// Dates are civil days (date::year_month_day) with no time zone. Out-of-range
// or nonexistent dates are values (nullopt, 0), never errors. It knows neither
// festivals (festival_rule.h) nor birthday fallbacks: moving a missing 30th to
// the 29th is the occasion code's decision.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

namespace huitou {

// A day of the lunar calendar. `year` is the solar year in which that lunar
// year's 正月初一 falls: 2027-02-05 (除夕) is {2026, 12, false, 29}.
struct LunarDate {
    int year = 0;
    int month = 1;      // 1..12
    bool leap = false;  // true in the leap (闰) month that follows `month`
    int day = 1;        // 1..30

    friend bool operator==(const LunarDate&, const LunarDate&) = default;
};

// The solar days this calendar covers, both ends included.
inline constexpr date::year_month_day kFirstLunarSupportedDay{date::year{1901} / 1 / 1};
inline constexpr date::year_month_day kLastLunarSupportedDay{date::year{2099} / 12 / 31};

// The lunar date of a solar day; nullopt for an invalid date or one outside
// kFirstLunarSupportedDay..kLastLunarSupportedDay.
std::optional<LunarDate> to_lunar(date::year_month_day solar);

// The solar day of a lunar date; nullopt if that date does not exist (no such
// leap month, a 30th in a 29-day month, month or day out of range) or falls
// outside the supported solar range.
std::optional<date::year_month_day> to_solar(const LunarDate& lunar);

// The month that is doubled in `lunar_year` (闰 after it), 0 if none or if the
// year is outside the table (1900..2099).
int leap_month(int lunar_year);

// 29 or 30; 0 if that month does not exist in `lunar_year` (including years
// outside the table).
int month_length(int lunar_year, int month, bool leap);

// Why `d` has no solar day, in a sentence for a person ("the 8th month of
// lunar 2027 has 29 days", "lunar 2027 has no leap 2nd month (it has no leap
// month)", "outside the lunar calendar's range (…)"); empty when to_solar(d)
// has one.
std::string lunar_date_problem(const LunarDate& d);

// "lunar:2027-08-15"; a leap month is "lunar:2023-leap02-10". The year is
// written with four digits.
std::string format_lunar(const LunarDate& d);

// Exactly the syntax format_lunar writes: month 1..12, day 1..30, year
// 0001..9999. Whether the date exists in that year is to_solar's answer, so a
// stored birthday "lunar:2024-12-30" still parses in a year whose 12th month
// is short.
std::optional<LunarDate> parse_lunar(std::string_view text);

}  // namespace huitou
