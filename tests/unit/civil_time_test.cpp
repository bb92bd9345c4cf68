#include <catch2/catch.hpp>

#include "core/civil_time.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("instants need an explicit offset") {
    SECTION("the forms accepted") {
        const auto [text, unix_seconds] = GENERATE(table<std::string, long long>({
            {"2027-09-15T10:00:00+08:00", 1820973600},
            {"2027-09-15T10:00+08:00", 1820973600},
            {"2027-09-15T10:00:00+0800", 1820973600},
            {"2027-09-15T02:00:00Z", 1820973600},
            {"2027-09-14T21:00:00-05:00", 1820973600},
        }));
        const auto t = parse_instant(text);
        REQUIRE(t);
        CHECK(t->time_since_epoch().count() == unix_seconds);
    }
    SECTION("the forms refused, with a reason") {
        const auto [text, fragment] = GENERATE(table<std::string, std::string>({
            {"2027-09-15T10:00:00", "missing UTC offset"},
            {"2027-09-15", "expected 'T'"},
            {"2027-13-15T10:00:00Z", "expected a date"},
            {"2027-09-15T25:00:00Z", "expected a time"},
            {"2027-09-15T10:00:00+08:00x", "unexpected text"},
            {"tomorrow", "expected a date"},
        }));
        std::string error;
        CHECK_FALSE(parse_instant(text, &error));
        CHECK_THAT(error, Catch::Contains(fragment));
    }
}

TEST_CASE("a store's local day and wall times come from its time zone") {
    const auto* shanghai = find_zone("Asia/Shanghai");
    const auto* new_york = find_zone("America/New_York");
    REQUIRE(shanghai);
    REQUIRE(new_york);
    CHECK_FALSE(find_zone("Asia/Shangai"));

    const auto t = *parse_instant("2027-09-15T23:30:00+08:00");
    CHECK(local_date(t, shanghai) == *parse_date("2027-09-15"));
    CHECK(local_date(t, new_york) == *parse_date("2027-09-15"));
    CHECK(local_date(t + 1h, shanghai) == *parse_date("2027-09-16"));

    CHECK(local_instant(*parse_date("2027-09-15"), 10h, shanghai) ==
          *parse_instant("2027-09-15T10:00:00+08:00"));
    CHECK(format_instant(*parse_instant("2027-09-15T02:00:00Z"), shanghai) ==
          "2027-09-15T10:00:00+08:00");

    SECTION("a wall time skipped by daylight saving moves to the jump") {
        // 2027-03-14 02:30 does not exist in New York.
        CHECK(local_instant(*parse_date("2027-03-14"), 2h + 30min, new_york) ==
              *parse_instant("2027-03-14T03:00:00-04:00"));
    }
    SECTION("a repeated wall time takes the earlier instant") {
        CHECK(local_instant(*parse_date("2027-11-07"), 1h + 30min, new_york) ==
              *parse_instant("2027-11-07T01:30:00-04:00"));
    }
}

TEST_CASE("dates and times of day parse strictly") {
    CHECK(parse_date("2027-02-29") == std::nullopt);
    CHECK(parse_date("2028-02-29"));
    CHECK(format_date(*parse_date("2028-02-29")) == "2028-02-29");
    CHECK(parse_time_of_day("09:30") == 9h + 30min);
    CHECK(parse_time_of_day("24:00") == std::nullopt);
    CHECK(format_time_of_day(20h + 30min) == "20:30");
}
