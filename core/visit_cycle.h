// visit_cycle.h — a member's own visit cycle, and the day they count as lapsed.
//
// The cycle is learned from the member's visits alone: the days they came
// (several visits on one day count once), the intervals between the latest
// few of those days, and their median — a median, so one long gap (a holiday,
// an illness) does not stretch a regular's cycle. A KTV guest who came after
// 4, 15 and 20 days has a cycle of 15: about half a month. With too few
// visits to learn from, the store's default for the member's tier stands in.
//
// A member is lapsed once the days since their last visit exceed both
// cycle × factor and a floor, so the first lapsed day is
// last visit + floor(max(cycle × factor, floor)) + 1. Days are whole days on
// the store's calendar, counted as day numbers (days since 1970-01-01), which
// is also how the Redis indexes are scored; scripts/record_visit.lua is this
// file's twin and must compute the same numbers (tested together).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/winback_config.h"

namespace huitou {

// Days since 1970-01-01 of a calendar date, and back.
int day_number(const Date& d);
Date date_of_day(int day_number);

// The median of the intervals between the latest `recent_intervals + 1`
// distinct days of `visit_days` (any order, repeats allowed); nullopt when the
// member came on fewer than `min_visits` distinct days.
std::optional<double> learned_cycle(std::vector<int> visit_days, const WinbackConfig& config);

// The learned cycle, else the default for `tier`, else the store's default.
double visit_cycle(const std::vector<int>& visit_days, std::string_view tier,
                   const WinbackConfig& config);

// The first day on which a member last seen on `last_day` is lapsed.
int lapse_day(int last_day, double cycle, const WinbackConfig& config);

}  // namespace huitou
