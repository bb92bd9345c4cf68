// core/login_throttle.h: the wait after wrong passwords in a row.
#include <catch2/catch.hpp>

#include "core/login_throttle.h"

using namespace huitou;
using std::chrono::seconds;

TEST_CASE("four wrong passwords cost nothing — from the fifth 30 s, doubling, at most 15 min",
          "[login_throttle]") {
    const auto [failures, wait] = GENERATE(table<int, long long>({
        {0, 0},
        {1, 0},
        {4, 0},
        {5, 30},
        {6, 60},
        {7, 120},
        {8, 240},
        {9, 480},
        {10, 900},  // 960 capped
        {11, 900},
        {40, 900},
        {2000000000, 900},  // no overflow however many
    }));
    INFO(failures);
    CHECK(login_wait(failures).count() == wait);
}

TEST_CASE("the wait counts from the last failure — minutes to tell are rounded up",
          "[login_throttle]") {
    const SysSeconds t{seconds(1'800'000'000)};
    CHECK(login_wait_until(3, t) == t);
    CHECK(login_wait_until(5, t) == t + seconds(30));
    CHECK(login_wait_minutes(t + seconds(30), t) == 1);
    CHECK(login_wait_minutes(t + seconds(60), t) == 1);
    CHECK(login_wait_minutes(t + seconds(61), t) == 2);
    CHECK(login_wait_minutes(t + seconds(900), t) == 15);
    CHECK(login_wait_minutes(t, t) == 1);
}
