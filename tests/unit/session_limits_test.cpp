// core/session_limits.h: a session ends when idle too long, or too old.
#include <catch2/catch.hpp>

#include "core/session_limits.h"

using namespace huitou;
using std::chrono::hours;
using std::chrono::minutes;

TEST_CASE("a session ends after its idle time or its lifetime, whichever comes first",
          "[session_limits]") {
    const SessionLimits limits{minutes(30), hours(12)};
    const SysSeconds start{std::chrono::seconds(1'800'000'000)};
    CHECK(session_alive(start, start, start, limits));
    CHECK(session_alive(start, start, start + minutes(29), limits));
    CHECK_FALSE(session_alive(start, start, start + minutes(30), limits));
    // Used every 20 minutes it lives on — until 12 hours after it began.
    CHECK(session_alive(start, start + hours(11), start + hours(11) + minutes(20), limits));
    CHECK(session_ends_at(start, start + hours(11) + minutes(50), limits) == start + hours(12));
    CHECK_FALSE(session_alive(start, start + hours(11) + minutes(50), start + hours(12), limits));
}
