#include "core/visit_cycle.h"

#include <algorithm>
#include <cmath>

namespace huitou {

int day_number(const Date& d) {
    return static_cast<int>(date::sys_days{d}.time_since_epoch().count());
}

Date date_of_day(int day_number) {
    return Date{date::sys_days{date::days{day_number}}};
}

std::optional<double> learned_cycle(std::vector<int> visit_days, const WinbackConfig& config) {
    std::sort(visit_days.begin(), visit_days.end());
    visit_days.erase(std::unique(visit_days.begin(), visit_days.end()), visit_days.end());
    if (visit_days.size() < static_cast<std::size_t>(config.min_visits)) return std::nullopt;
    const std::size_t keep =
        std::min(visit_days.size(), static_cast<std::size_t>(config.recent_intervals) + 1);
    std::vector<int> intervals;
    for (std::size_t i = visit_days.size() - keep + 1; i < visit_days.size(); ++i) {
        intervals.push_back(visit_days[i] - visit_days[i - 1]);
    }
    std::sort(intervals.begin(), intervals.end());
    const std::size_t n = intervals.size();
    if (n % 2 == 1) return intervals[n / 2];
    return (intervals[n / 2 - 1] + intervals[n / 2]) / 2.0;
}

double visit_cycle(const std::vector<int>& visit_days, std::string_view tier,
                   const WinbackConfig& config) {
    if (const auto learned = learned_cycle(visit_days, config)) return *learned;
    if (const auto it = config.tier_cycle_days.find(tier); it != config.tier_cycle_days.end()) {
        return it->second;
    }
    return config.default_cycle_days;
}

int lapse_day(int last_day, double cycle, const WinbackConfig& config) {
    const double threshold =
        std::max(cycle * config.factor, static_cast<double>(config.floor_days));
    return last_day + static_cast<int>(std::floor(threshold)) + 1;
}

}  // namespace huitou
