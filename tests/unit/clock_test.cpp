#include <catch2/catch.hpp>

#include <thread>

#include "core/clock.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("a fixed clock's monotonic time moves only forward, by what the clock moves") {
    const SysSeconds start{std::chrono::seconds(1'800'000'000)};
    FixedClock clock(start);
    const Monotonic m0 = clock.monotonic();
    CHECK(clock.monotonic() == m0);  // stands still

    SECTION("advance moves both by the same amount") {
        clock.advance(90s);
        CHECK(clock.now() == start + 90s);
        CHECK(clock.monotonic() - m0 == 90s);
    }
    SECTION("set forward moves it by the difference") {
        clock.set(start + 1h);
        CHECK(clock.monotonic() - m0 == 1h);
    }
    SECTION("set or advance backwards leaves it where it is") {
        clock.set(start - 1h);
        CHECK(clock.now() == start - 1h);
        CHECK(clock.monotonic() == m0);
        clock.advance(-10s);
        CHECK(clock.monotonic() == m0);
        // Forward again, from where the calendar time is: it goes on from m0
        // by as much as the calendar time moves forward.
        clock.set(start - 1h + 5s);
        CHECK(clock.monotonic() - m0 == 15s);
    }
    SECTION("it is not steady_clock's zero, which reads as never") {
        CHECK(m0 != Monotonic{});
    }
}

TEST_CASE("the system clock's monotonic time is steady_clock") {
    const SystemClock clock;
    const auto before = std::chrono::steady_clock::now();
    const auto m = clock.monotonic();
    CHECK(m >= before);
    CHECK(m <= std::chrono::steady_clock::now());
}

TEST_CASE("a scaled clock's monotonic time runs rate times faster than real time") {
    const ScaledClock clock(SysSeconds{std::chrono::seconds(1'800'000'000)}, 1000.0);
    const auto real0 = std::chrono::steady_clock::now();
    const auto m0 = clock.monotonic();
    // Wait (real time) until at least 2 ms have passed; the clock moved at
    // least 2 s then. Not a speed assertion: a lower bound that holds
    // however slow the machine is.
    while (std::chrono::steady_clock::now() - real0 < 2ms)
        std::this_thread::yield();
    const auto m1 = clock.monotonic();
    const auto real = std::chrono::steady_clock::now() - real0;
    CHECK(m1 - m0 >= 1900ms);
    CHECK(m1 - m0 <= real * 1000 + 1ms);
}
