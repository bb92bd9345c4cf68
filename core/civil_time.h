// civil_time.h — dates, times of day and instants as people write them, and
// the conversion between a store's wall clock and Unix time.
//
// Instants are stored as Unix seconds (SysSeconds); "today" is always a store's
// local date in its IANA time zone (Howard Hinnant's date/tz over the system
// tzdata, never a hard-coded offset). Parsers are strict and return nullopt
// with a reason rather than guessing: `--now 2027-09-15 10:00` is an error,
// not a silent UTC. Wall times that a DST change skips are moved forward;
// times it repeats take the earlier instant (China has no DST, but a store
// abroad may).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>
#include <date/tz.h>

#include "core/clock.h"

namespace huitou {

using Date = date::year_month_day;

// "2027-09-15" (exactly, zero-padded) → a valid date, else nullopt.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(const Date& d);

// "10:00" or "10:00:30" → time since midnight, else nullopt.
std::optional<std::chrono::seconds> parse_time_of_day(std::string_view text);
std::string format_time_of_day(std::chrono::seconds since_midnight);

// ISO 8601 with an explicit offset: "2027-09-15T10:00:00+08:00",
// "2027-09-15T10:00+0800", "2027-09-15T02:00:00Z". On failure returns nullopt
// and, when `error` is given, says what is wrong.
std::optional<SysSeconds> parse_instant(std::string_view text, std::string* error = nullptr);
// The instant in `zone`'s local time with its offset: "2027-09-15T10:00:00+08:00".
std::string format_instant(SysSeconds t, const date::time_zone* zone);
// The instant as Unix seconds in decimal ("1820887200"): how Redis keeps it.
std::string unix_seconds(SysSeconds t);

// The time zone named `name` ("Asia/Shanghai"), or nullopt if tzdata lacks it.
const date::time_zone* find_zone(std::string_view name);

// The local calendar date in `zone` at instant `t`.
Date local_date(SysSeconds t, const date::time_zone* zone);
// The instant at which local wall time `since_midnight` on `day` occurs in `zone`.
SysSeconds local_instant(const Date& day, std::chrono::seconds since_midnight,
                         const date::time_zone* zone);
// The first instant of local `day` in `zone`.
SysSeconds start_of_day(const Date& day, const date::time_zone* zone);

}  // namespace huitou
