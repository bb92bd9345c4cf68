#include "core/login_throttle.h"

#include <algorithm>

namespace huitou {

std::chrono::seconds login_wait(int failures) {
    if (failures <= kLoginFreeFailures) return std::chrono::seconds(0);
    // Doubling stops once the cap is reached: no shift past the integer.
    auto wait = kLoginFirstWait;
    for (int i = kLoginFreeFailures + 1; i < failures && wait < kLoginMaxWait; ++i)
        wait *= 2;
    return std::min(wait, kLoginMaxWait);
}

SysSeconds login_wait_until(int failures, SysSeconds last_failure) {
    return last_failure + login_wait(failures);
}

long long login_wait_minutes(SysSeconds until, SysSeconds now) {
    const auto left = (until - now).count();
    return std::max<long long>(1, (left + 59) / 60);
}

}  // namespace huitou
