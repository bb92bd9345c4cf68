#include <catch2/catch.hpp>

#include "core/next_wakeup.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {
const SysSeconds now{std::chrono::seconds(1'800'000'000)};
}

TEST_CASE("next wakeup: the earliest event, at most a minute away") {
    NextWakeup w(now);
    CHECK(w.clock_wait() == 60s);  // nothing due
    w.at(now + 3600s);             // a store's midnight
    CHECK(w.clock_wait() == 60s);
    w.at(now + 42s);  // a due job
    CHECK(w.clock_wait() == 42s);
    w.at(now + 50s);  // later: no change
    CHECK(w.clock_wait() == 42s);
    w.at(std::optional<SysSeconds>{});  // a store with nothing due
    CHECK(w.clock_wait() == 42s);
    w.at(std::optional<SysSeconds>{now + 7s});
    CHECK(w.clock_wait() == 7s);
    w.at(now - 30s);  // overdue: no wait at all
    CHECK(w.clock_wait() == 0s);
}

TEST_CASE("next wakeup: the poll is at least 1 ms and at most the look-again second") {
    const auto [real, poll] = GENERATE(table<long long, long long>({
        {0, 1}, {1, 1}, {250, 250}, {1000, 1000}, {60'000, 1000},  // a minute with nothing due:
                                                                   // still a turn a second
    }));
    CHECK(NextWakeup::poll_wait(std::chrono::milliseconds(real)) ==
          std::chrono::milliseconds(poll));
}

TEST_CASE("next wakeup: a fixed clock polls briefly, a scaled one divides by its rate") {
    NextWakeup w(now);
    w.at(now + 30s);
    const FixedClock fixed(now);
    CHECK(NextWakeup::poll_wait(fixed.real_wait(w.clock_wait())) == 50ms);
    const ScaledClock fast(now, 60.0);
    CHECK(NextWakeup::poll_wait(fast.real_wait(w.clock_wait())) == 500ms);
    const SystemClock system;
    CHECK(NextWakeup::poll_wait(system.real_wait(w.clock_wait())) == 1000ms);
}
