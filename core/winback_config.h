// winback_config.h — a store's win-back settings: how a cycle is learned,
// when a member counts as lapsed, and how gently they are reminded.
//
// Per store, because a KTV's regulars come every fortnight and a toy shop's
// every season: `[store_defaults.winback]` sets them for every store and
// `[stores.<id>.winback]` overrides them key by key (docs/configuration.md).
// The numbers are days on the store's calendar, not hours: a member who came
// at 21:00 and one who came at 10:00 the same day have the same cycle.
//
// Read and checked by read_winback (winback_config.cpp); the rules that use
// them are core/visit_cycle.h (cycle, lapse day) and core/winback.h
// (reminder, follow-ups, churn). Nothing here reads a clock.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace huitou {

struct WinbackConfig {
    bool enabled = true;
    int min_visits = 4;           // the member's own cycle once they came on this many days
    int recent_intervals = 6;     // the median of at most this many latest intervals
    double factor = 1.5;          // lapsed when days since the last visit exceed cycle × factor
    int floor_days = 7;           // ... and exceed this
    int default_cycle_days = 30;  // the cycle while there are too few visits
    std::map<std::string, int, std::less<>> tier_cycle_days;  // ... by the member's tier
    std::vector<int> followup_days{10, 20};  // gap before each follow-up; K = the count
    int churn_days = 30;                     // no return this long after the last message: churned
    int max_absence_days = 180;  // absent longer than this when found lapsed: churned, no message
    int recheck_days = 7;        // a lapsed member who cannot be reached is looked at again after
    int history = 20;            // visits kept per member

    // Reminders in one absence: the first one and the follow-ups.
    int max_messages() const { return 1 + static_cast<int>(followup_days.size()); }
};

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// [winback] of a store or of [store_defaults]; keys it lacks keep `w`'s
// values. Throws ConfigError naming the key.
void read_winback(Table& t, WinbackConfig& w);
}  // namespace config_detail

}  // namespace huitou
