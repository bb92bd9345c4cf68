// effect_report.h — a store's effect report over some days: read from Redis
// (io/effect_store.h), computed by the pure core (core/effect.h).
//
// `huitou report` and GET /api/v1/stores/<S>/report both call it, so the
// terminal and a script get the same numbers. It reads the messages planned
// in the days asked for and in the longest attribution window after them (a
// later message may take a visit from an earlier one: last touch), and the
// kept visits of every member they name. Reads only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/effect.h"
#include "io/redis_connection.h"

namespace huitou {

// At most this many days in one report: a report reads every message of
// its days, so a range is bounded like any other read.
inline constexpr int kMaxReportDays = 366;

// "" when [from, to] can be reported, else what is wrong ("to: before from").
std::string check_report_range(const Date& from, const Date& to);

// The report of `store` for messages planned on its local days [from, to].
// Throws RedisError.
EffectReport effect_report(RedisConnection& redis, const StoreConfig& store, const Date& from,
                           const Date& to);

// The calendar months of [from, to], clipped to it: [(2027-09-14, 2027-09-30),
// (2027-10-01, 2027-10-31), ...].
std::vector<std::pair<Date, Date>> report_months(const Date& from, const Date& to);

// The report month by month: one EffectReport per month of [from, to]
// (report_months), in order, from one read. Throws RedisError.
std::vector<EffectReport> effect_report_by_month(RedisConnection& redis, const StoreConfig& store,
                                                 const Date& from, const Date& to);

// The JSON both doors answer: {"store", "from", "to", "kinds": [...]}
// (core/effect.h's fields, money in yuan).
nlohmann::json effect_json(const EffectReport& report, const StoreConfig& store, const Date& from,
                           const Date& to);

// The months as one CSV: one header row, then each month's rows (they name
// their month in `from` and `to`).
std::string effect_csv_by_month(const std::vector<EffectReport>& months);

// {"store", "store_name", "from", "to", "by": "month", "periods": [core/effect.h's JSON per
// month]}.
nlohmann::json effect_json_by_month(const std::vector<EffectReport>& months,
                                    const StoreConfig& store, const Date& from, const Date& to);

}  // namespace huitou
