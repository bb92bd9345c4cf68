// value_segment.h — a member's value to her store: recency, frequency and
// money over a period, scored against the store's own members, and the eight
// segments Chinese retail names them by (RFM).
//
// For a store's day D and a period of P calendar months (D's month and the
// P − 1 before it), a member with at least one visit in the period has
//   R  days since her last visit (D − the day of her last visit),
//   F  her visits in the period,
//   M  the amounts of those visits, in cents (a visit without one adds 0).
// The store's thresholds are, for each of R, F and M, the value of its middle
// member counted from the worst end (for an even count the worse of the two
// middle ones) over the members scored that day. A member is *high* on a
// measure when she is strictly better than that: R < the R threshold (more
// recent), F > the F threshold, M > the M threshold. At the threshold is low,
// so when most members came once (F threshold 1) "F high" means came again.
// The segment is the classic table of the three highs (high = 1):
//   R F M   111 重要价值  101 重要发展  011 重要保持  001 重要挽留
//           110 一般价值  100 一般发展  010 一般保持  000 一般挽留
// A member with no visit in the period has no segment (and is not counted
// in the thresholds). docs/policy.md has a worked example.
//
// Why months: F and M over a period need every visit in it, and a member's
// visit history is bounded (visit_state.h keeps the latest `history`); a
// running total per calendar month (MonthTotals, at most P entries) bounds
// her bytes whatever she spends. So the period is calendar months: on the
// 1st it holds one day of the current month.
//
// Pure: the numbers for one member, the thresholds for a store, the
// segment, and the stored forms. io/segment_store.h reads and writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/visit_state.h"

namespace huitou {

// The value of each bit: R high 4, F high 2, M high 1 — so the enum's value
// is the segment's row of the table above read as a binary number.
enum class ValueSegment : std::uint8_t {
    general_retain = 0,    // 一般挽留
    important_retain = 1,  // 重要挽留
    general_keep = 2,      // 一般保持
    important_keep = 3,    // 重要保持
    general_growth = 4,    // 一般发展
    important_growth = 5,  // 重要发展
    general_value = 6,     // 一般价值
    important_value = 7,   // 重要价值
};
inline constexpr int value_segment_count = 8;

std::string_view segment_name(ValueSegment s);  // "重要价值"
std::string_view segment_key(ValueSegment s);   // "important_value"
// Either form: "重要价值" or "important_value"; also "重要价值客户".
std::optional<ValueSegment> parse_segment(std::string_view text);
// Every segment, best first (重要价值 … 一般挽留), as the CLI lists them.
const std::vector<ValueSegment>& segments_best_first();

// Months since 1970-01 of a date (2027-03-15 → 686).
int month_number(const Date& d);

// A member's visits and amounts per calendar month, the latest months only:
// what scripts/record_visit.lua keeps in her visit hash (field "mo"), added
// to at each new visit.
struct MonthTotal {
    int month = 0;  // month_number
    long long visits = 0;
    long long cents = 0;

    friend bool operator==(const MonthTotal&, const MonthTotal&) = default;
};
using MonthTotals = std::vector<MonthTotal>;  // by month, oldest first

// "686:3:45800,687:1:0" and back. Parsing is tolerant: entries that do not
// parse are dropped.
MonthTotals parse_month_totals(std::string_view text);
std::string format_month_totals(const MonthTotals& totals);

// The totals of a visit history (before "mo" existed: a member whose visits
// were recorded by an older version; scripts/record_visit.lua seeds "mo" the
// same way at her next visit).
MonthTotals month_totals_of(const std::vector<VisitRecord>& history);

// One member's numbers on a day.
struct Rfm {
    int recency_days = 0;  // R
    long long visits = 0;  // F
    long long cents = 0;   // M

    friend bool operator==(const Rfm&, const Rfm&) = default;
};

// Her numbers on `day` for a period of `period_months`, her last visit on
// day number `last_day`; nullopt when she has no visit in the period.
std::optional<Rfm> rfm_on(const Date& day, int period_months, int last_day,
                          const MonthTotals& totals);

// A store's thresholds on a day, and how many members they were taken over.
struct SegmentThresholds {
    int recency_days = 0;
    long long visits = 0;
    long long cents = 0;
    std::size_t members = 0;

    friend bool operator==(const SegmentThresholds&, const SegmentThresholds&) = default;
};

// The thresholds of the members scored, each measure's middle member from
// the worst end; nullopt when there are none.
std::optional<SegmentThresholds> thresholds_of(std::vector<int> recency_days,
                                               std::vector<long long> visits,
                                               std::vector<long long> cents);

ValueSegment segment_of(const Rfm& rfm, const SegmentThresholds& t);

// A member's segment as kept in her member hash (field "sg", core/member.h):
// "<segment 0-7>,<thresholds' day number>,<R>,<F>,<M>" — the numbers as
// computed then (R on the day it was computed). The day names the
// thresholds' generation (io/segment_store.h counts by it).
struct StoredSegment {
    ValueSegment segment = ValueSegment::general_retain;
    int thresholds_day = 0;
    Rfm rfm;

    friend bool operator==(const StoredSegment&, const StoredSegment&) = default;
};
std::string format_stored_segment(const StoredSegment& s);
std::optional<StoredSegment> parse_stored_segment(std::string_view text);

// A set of segments, one bit each (1 << the enum's value): an audience.
using SegmentSet = std::uint8_t;
inline bool contains(SegmentSet set, ValueSegment s) {
    return (set >> static_cast<int>(s)) & 1u;
}
inline SegmentSet with(SegmentSet set, ValueSegment s) {
    return static_cast<SegmentSet>(set | (1u << static_cast<int>(s)));
}

}  // namespace huitou
