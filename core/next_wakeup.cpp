#include "core/next_wakeup.h"

#include <algorithm>

namespace huitou {

void NextWakeup::at(SysSeconds at) {
    earliest_ = earliest_ ? std::min(*earliest_, at) : at;
}

std::chrono::seconds NextWakeup::clock_wait() const {
    if (!earliest_) return kIdle;
    return std::clamp(*earliest_ - now_, std::chrono::seconds{0}, kIdle);
}

std::chrono::milliseconds NextWakeup::poll_wait(std::chrono::milliseconds real) {
    return std::clamp(real, kAtLeast, kLookAgain);
}

}  // namespace huitou
