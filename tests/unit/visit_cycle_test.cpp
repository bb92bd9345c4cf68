#include <catch2/catch.hpp>

#include "core/visit_cycle.h"

using namespace huitou;

TEST_CASE("a cycle is the median of the latest intervals between visit days") {
    const WinbackConfig config;  // min_visits 4, recent_intervals 6
    using Days = std::vector<int>;
    const auto [name, days, expected] = GENERATE(table<std::string, Days, double>({
        {"regular, weekly", {0, 7, 14, 21, 28}, 7},
        {"the KTV guest: after 4, 15 and 20 days", {0, 4, 19, 39}, 15},
        {"an even number of intervals: the mean of the middle two", {0, 4, 19, 39, 76}, 17.5},
        {"irregular", {0, 3, 10, 12, 30, 33}, 3},
        {"one long gap (a holiday) does not stretch it", {0, 7, 14, 74, 81, 88}, 7},
        {"two long gaps out of six still do not", {0, 7, 67, 74, 81, 141, 148}, 7},
        {"several visits on one day count once", {0, 0, 7, 7, 14, 21, 21}, 7},
        {"any order", {21, 0, 14, 7}, 7},
        {"only the latest intervals count", {0, 100, 107, 114, 121, 128, 135, 142}, 7},
        {"a member who comes more often lately", {0, 30, 60, 90, 100, 110, 120, 130, 140}, 10},
    }));
    INFO(name);
    const auto cycle = learned_cycle(days, config);
    REQUIRE(cycle);
    CHECK(*cycle == expected);
}

TEST_CASE("with too few visits the tier's or the store's default stands in") {
    WinbackConfig config;
    config.default_cycle_days = 30;
    config.tier_cycle_days = {{"金卡", 14}};
    SECTION("a single visit") {
        CHECK_FALSE(learned_cycle({5}, config));
        CHECK(visit_cycle({5}, "", config) == 30);
        CHECK(visit_cycle({5}, "金卡", config) == 14);
        CHECK(visit_cycle({5}, "银卡", config) == 30);
    }
    SECTION("three visit days are not yet enough at min_visits 4") {
        CHECK_FALSE(learned_cycle({0, 7, 14}, config));
        CHECK_FALSE(learned_cycle({0, 0, 7, 7, 14}, config));  // three distinct days
        config.min_visits = 3;
        CHECK(learned_cycle({0, 7, 14}, config) == 7);
    }
    SECTION("no visits") {
        CHECK(visit_cycle({}, "金卡", config) == 14);
    }
    SECTION("once learned, the member's own cycle wins over the tier") {
        CHECK(visit_cycle({0, 4, 19, 39}, "金卡", config) == 15);
    }
}

TEST_CASE(
    "a member is lapsed once the days since the last visit exceed cycle × factor and the "
    "floor") {
    WinbackConfig config;  // factor 1.5, floor 7
    const auto [cycle, first_lapsed_after] = GENERATE(table<double, int>({
        {15, 23},    // 22.5 days: lapsed on the 23rd day
        {10, 16},    // 15 days exactly: lapsed on the 16th
        {17.5, 27},  // 26.25
        {2, 8},      // 3 < the floor of 7
        {4.5, 8},    // 6.75 < 7
        {30, 46},
    }));
    CAPTURE(cycle);
    CHECK(lapse_day(1000, cycle, config) == 1000 + first_lapsed_after);
    config.factor = 2;
    config.floor_days = 1;
    CHECK(lapse_day(1000, 2, config) == 1005);
}

TEST_CASE("day numbers count days since 1970-01-01") {
    CHECK(day_number(*parse_date("1970-01-01")) == 0);
    CHECK(day_number(*parse_date("2027-09-15")) == 21076);
    CHECK(date_of_day(21076) == *parse_date("2027-09-15"));
    CHECK(date_of_day(day_number(*parse_date("2028-02-29"))) == *parse_date("2028-02-29"));
}
