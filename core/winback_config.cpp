#include "core/winback_config.h"

#include "core/toml_walker.h"

namespace huitou::config_detail {

void read_winback(Table& t, WinbackConfig& w) {
    if (auto v = t.get<bool>("enabled", "true or false")) w.enabled = *v;
    w.min_visits = integer_in(t, "min_visits", 2, 100, w.min_visits);
    w.recent_intervals = integer_in(t, "recent_intervals", 1, 100, w.recent_intervals);
    if (auto v = t.get<double>("factor", "a number")) {
        if (*v < 1.0 || *v > 10.0) t.fail("factor", "must be between 1.0 and 10.0");
        w.factor = *v;
    }
    w.floor_days = integer_in(t, "floor_days", 1, 3650, w.floor_days);
    w.default_cycle_days = integer_in(t, "default_cycle_days", 1, 3650, w.default_cycle_days);
    if (auto tiers = t.table("tier_cycle_days")) {
        w.tier_cycle_days.clear();
        for (const auto& [tier, node] : tiers->raw()) {
            w.tier_cycle_days[std::string(tier.str())] = integer_in(*tiers, tier.str(), 1, 3650, 0);
        }
    }
    if (const auto* a = t.array("followup_days")) {
        w.followup_days.clear();
        for (const auto& node : *a) {
            const int days = static_cast<int>(checked_integer(t, "followup_days", node, 2, 3650));
            if (!w.followup_days.empty() && days < w.followup_days.back()) {
                t.fail("followup_days", "gaps must grow: each at least the one before");
            }
            w.followup_days.push_back(days);
        }
        if (w.followup_days.size() > 5) t.fail("followup_days", "at most 5 follow-ups");
    }
    w.churn_days = integer_in(t, "churn_days", 1, 3650, w.churn_days);
    w.max_absence_days = integer_in(t, "max_absence_days", 1, 36500, w.max_absence_days);
    w.recheck_days = integer_in(t, "recheck_days", 1, 3650, w.recheck_days);
    w.history = integer_in(t, "history", 2, 200, w.history);
    if (w.history < w.min_visits || w.history < w.recent_intervals + 1) {
        t.fail("history", "must be at least min_visits and recent_intervals + 1");
    }
    t.reject_unknown();
}

}  // namespace huitou::config_detail
