#include "core/clock.h"

#include <algorithm>
#include <cassert>

namespace huitou {

SysSeconds SystemClock::now() const {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

Monotonic SystemClock::monotonic() const {
    return std::chrono::steady_clock::now();
}

std::chrono::milliseconds SystemClock::real_wait(std::chrono::seconds clock_time) const {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(clock_time));
}

SysSeconds FixedClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

Monotonic FixedClock::monotonic() const {
    std::lock_guard lock(mutex_);
    return monotonic_;
}

// A fixed clock never gets to the time waited for; poll briefly so that
// messages are still handled and a test that moves the clock is noticed soon.
std::chrono::milliseconds FixedClock::real_wait(std::chrono::seconds clock_time) const {
    return clock_time.count() <= 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(50);
}

void FixedClock::set(SysSeconds t) {
    std::lock_guard lock(mutex_);
    if (t > now_) monotonic_ += t - now_;
    now_ = t;
}

void FixedClock::advance(std::chrono::seconds by) {
    std::lock_guard lock(mutex_);
    if (by > std::chrono::seconds::zero()) monotonic_ += by;
    now_ += by;
}

ScaledClock::ScaledClock(SysSeconds start, double rate,
                         std::chrono::system_clock::time_point anchor)
    : start_(start), rate_(rate), anchor_(anchor) {
    assert(rate > 0);
}

// The real clock, not the steady one, so that separate processes agree: the
// anchor is a wall-clock instant they were all given.
SysSeconds ScaledClock::now() const {
    const std::chrono::duration<double> real = std::chrono::system_clock::now() - anchor_;
    const auto scaled = std::chrono::duration<double>(real.count() * rate_);
    return start_ + std::chrono::floor<std::chrono::seconds>(scaled);
}

Monotonic ScaledClock::monotonic() const {
    const std::chrono::duration<double> real = std::chrono::steady_clock::now() - steady_anchor_;
    return steady_anchor_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(real.count() * rate_));
}

std::chrono::milliseconds ScaledClock::real_wait(std::chrono::seconds clock_time) const {
    if (clock_time.count() <= 0) return std::chrono::milliseconds(0);
    const double ms = static_cast<double>(clock_time.count()) * 1000.0 / rate_;
    return std::chrono::milliseconds(static_cast<long long>(std::max(1.0, ms)));
}

}  // namespace huitou
