#include "core/backoff.h"

#include <algorithm>
#include <cmath>

namespace huitou {

std::chrono::seconds retry_backoff(int attempt, const BackoffConfig& policy, double unit_random) {
    const double base = static_cast<double>(std::max<long long>(1, policy.base.count()));
    const double cap = static_cast<double>(std::max<long long>(1, policy.cap.count()));
    // 2^62 would overflow nothing in a double, but a cap is reached long before.
    const int exponent = std::clamp(attempt - 1, 0, 62);
    const double full = std::min(cap, base * std::ldexp(1.0, exponent));
    const double r = std::clamp(unit_random, 0.0, 1.0);
    const double wait = full / 2 + r * (full / 2);
    return std::chrono::seconds(std::max<long long>(1, std::llround(wait)));
}

}  // namespace huitou
