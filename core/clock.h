// clock.h — where "now" comes from.
//
// All logic takes the time as an argument; stateful code holds a `const Clock&`
// so a test can move time by hand and live through a year in a second. Three
// clocks: the system clock; a fixed clock (`--now`, or a test's hand) that
// only moves when told; and a scaled clock that starts at a given instant and
// runs `rate` times faster than real time, so the demo can run a whole
// simulated day of separate processes in half a minute.
//
// `real_wait` turns a wait measured in clock time into a real-time wait for
// zmq::poll: a scaled clock divides by its rate, a fixed clock (which never
// moves by itself) gives a short poll interval instead.
//
// `monotonic` is the clock's time for timers (the dispatch flow, the loop's
// wake-ups): a steady time that never goes back, even when the calendar time
// is set back. The system clock gives steady_clock; a fixed clock moves it
// only by what `set` and `advance` move forward, so a test drives the timers
// by hand; a scaled clock runs it `rate` times faster, like its calendar time.
// What must be measured in real time (Redis's lease expiry, a rate limiter on
// Redis's TIME, sleeps, latency metrics) stays on std::chrono::steady_clock.
#pragma once

#include <chrono>
#include <mutex>

namespace huitou {

using SysSeconds = std::chrono::sys_seconds;
// A point on a clock's monotonic time (Clock::monotonic).
using Monotonic = std::chrono::steady_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual SysSeconds now() const = 0;
    // Time for timers: never goes back (see the top of this file).
    virtual Monotonic monotonic() const = 0;
    // The real time to wait so that `clock_time` passes on this clock.
    virtual std::chrono::milliseconds real_wait(std::chrono::seconds clock_time) const = 0;
};

class SystemClock final : public Clock {
  public:
    SysSeconds now() const override;
    Monotonic monotonic() const override;
    std::chrono::milliseconds real_wait(std::chrono::seconds clock_time) const override;
};

// Stands still at the time it was given until `set` or `advance` moves it.
// Its monotonic time starts at a fixed point and moves forward by what they
// move forward; setting the time back leaves it where it is.
// Thread-safe, so a test thread can move it while a worker thread reads it.
class FixedClock final : public Clock {
  public:
    explicit FixedClock(SysSeconds start) : now_(start) {}
    SysSeconds now() const override;
    Monotonic monotonic() const override;
    std::chrono::milliseconds real_wait(std::chrono::seconds clock_time) const override;
    void set(SysSeconds t);
    void advance(std::chrono::seconds by);

  private:
    mutable std::mutex mutex_;
    SysSeconds now_;
    // Not steady_clock's epoch: a zero time_point reads as "never" in places.
    Monotonic monotonic_{std::chrono::hours(24)};
};

// Shows `start` at real time `anchor` and runs `rate` times real speed.
// Processes given the same start, rate and anchor share one simulated time.
class ScaledClock final : public Clock {
  public:
    ScaledClock(SysSeconds start, double rate,
                std::chrono::system_clock::time_point anchor = std::chrono::system_clock::now());
    SysSeconds now() const override;
    // Runs `rate` times faster than steady_clock from the clock's construction.
    Monotonic monotonic() const override;
    std::chrono::milliseconds real_wait(std::chrono::seconds clock_time) const override;

  private:
    SysSeconds start_;
    double rate_;
    std::chrono::system_clock::time_point anchor_;
    Monotonic steady_anchor_ = std::chrono::steady_clock::now();
};

}  // namespace huitou
