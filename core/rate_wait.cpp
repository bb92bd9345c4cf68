#include "core/rate_wait.h"

#include <algorithm>
#include <cassert>

namespace huitou {

std::chrono::microseconds spread_rate_wait(std::chrono::microseconds wait, const GcraLimit& limit,
                                           int losses, double unit_random) {
    assert(losses >= 1);
    const auto cap = limit.burst_tolerance;
    auto spread = limit.emission_interval;
    // Doubling stops at the cap; the loop is at most ~log2(cap / T) + 1 steps.
    for (int i = 1; i < losses && spread < cap; ++i)
        spread *= 2;
    spread = std::min(spread, cap);
    const double u = std::clamp(unit_random, 0.0, 1.0);
    return wait + std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(
                      u * static_cast<double>(spread.count())));
}

bool rate_decision_fresh(std::chrono::nanoseconds elapsed, std::chrono::milliseconds guard) {
    return guard.count() <= 0 || elapsed <= guard;
}

}  // namespace huitou
