// next_wakeup.h — how long the scheduler's loop may wait for results before
// its next turn.
//
// The loop is shaped like Redis' aeProcessEvents: time until the next timer
// → poll → handle what arrived → fire what is due. The timers it knows in
// clock time are the next due job of each store and each store's next local
// midnight (a new day to plan); the earliest of them, at most a minute away,
// is the clock wait, which the clock turns into real time (Clock::real_wait).
//
// Then two bounds in real time, explicit here because they are the loop's
// own timers rather than events it can see coming:
//   - at least 1 ms, so a turn with due jobs that could not go does not spin
//     on Redis with a zero poll;
//   - at most kLookAgain (1 s): some things become due without telling the
//     loop — a job handed back by a worker or created by the admin API, an
//     in-flight job whose ack deadline passes (requeue), a lease to renew
//     (every third of scheduler.lease, 15 s by default), the dispatch flow's
//     once-a-second widening, a fixed clock a test moved — and a turn a
//     second finds them. It is a bound on latency, not a poll interval: a
//     result arriving wakes the loop at once.
// Pure: the times are arguments. It does not read Redis; the loop does and
// passes what it read.
#pragma once

#include <chrono>
#include <optional>

#include "core/clock.h"

namespace huitou {

class NextWakeup {
  public:
    // With nothing due, the loop still looks again this often in clock time.
    static constexpr std::chrono::seconds kIdle{60};
    // The real-time bounds of a wait (see the top of this file).
    static constexpr std::chrono::milliseconds kAtLeast{1};
    static constexpr std::chrono::milliseconds kLookAgain{1000};

    explicit NextWakeup(SysSeconds now) : now_(now) {}

    // Something is due at clock time `at` (a due job, a store's midnight).
    // A time already past makes the wait zero.
    void at(SysSeconds at);
    void at(std::optional<SysSeconds> at) {
        if (at) this->at(*at);
    }

    // Clock time until the earliest event: in [0, kIdle].
    std::chrono::seconds clock_wait() const;

    // The real time to poll, given `real`, the clock wait turned into real
    // time by the clock: within [kAtLeast, kLookAgain].
    static std::chrono::milliseconds poll_wait(std::chrono::milliseconds real);

  private:
    SysSeconds now_;
    std::optional<SysSeconds> earliest_;
};

}  // namespace huitou
