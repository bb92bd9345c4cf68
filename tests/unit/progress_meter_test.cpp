// The progress line's arithmetic, on a clock the test moves.
#include <catch2/catch.hpp>

#include <limits>

#include "core/progress_meter.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("ETA text") {
    const auto [seconds, text] = GENERATE(table<double, std::string>({
        {0, "0:00"},
        {7.4, "0:07"},
        {59.6, "1:00"},
        {205, "3:25"},
        {3723, "1:02:03"},
        {-1, "--:--"},
        {std::numeric_limits<double>::infinity(), "--:--"},
    }));
    CHECK(format_eta(seconds) == text);
}

TEST_CASE("counts have thousands separators") {
    CHECK(format_count(0) == "0");
    CHECK(format_count(950) == "950");
    CHECK(format_count(12000) == "12,000");
    CHECK(format_count(1234567) == "1,234,567");
}

TEST_CASE("a progress meter: share, rate and ETA from bytes read and rows done") {
    const ProgressMeter::Instant t0{};
    ProgressMeter meter(1000, t0);

    SECTION("a quarter of the bytes in 2 s: 6 s to go") {
        CHECK(meter.rate(500, t0 + 2s) == Approx(250));
        CHECK(meter.eta_seconds(250, t0 + 2s) == Approx(6));
        CHECK(meter.line(500, 250, t0 + 2s) == "500 rows  25%  250 rows/s  ETA 0:06");
    }
    SECTION("nothing known at the start") {
        CHECK(meter.rate(0, t0) == 0);
        CHECK(meter.eta_seconds(0, t0) < 0);
        CHECK(meter.line(0, 0, t0) == "0 rows  0%  0 rows/s  ETA --:--");
    }
    SECTION("done") {
        CHECK(meter.eta_seconds(1000, t0 + 4s) == 0);
        CHECK(meter.line(2000, 1000, t0 + 4s) == "2,000 rows  100%  500 rows/s  ETA 0:00");
    }
    SECTION("an input of unknown size: rows and rate only") {
        ProgressMeter unknown(0, t0);
        CHECK(unknown.eta_seconds(10, t0 + 1s) < 0);
        CHECK(unknown.line(3000, 10, t0 + 2s) == "3,000 rows  1,500 rows/s");
    }
}

TEST_CASE("a progress meter draws at most once an interval") {
    const ProgressMeter::Instant t0{};
    ProgressMeter meter(100, t0, 100ms);
    CHECK_FALSE(meter.due(t0));  // a short import draws nothing
    CHECK_FALSE(meter.due(t0 + 99ms));
    CHECK(meter.due(t0 + 100ms));
    CHECK_FALSE(meter.due(t0 + 150ms));
    CHECK(meter.due(t0 + 200ms));
    CHECK(meter.due(t0 + 5s));
    CHECK_FALSE(meter.due(t0 + 5s + 1ms));
}
