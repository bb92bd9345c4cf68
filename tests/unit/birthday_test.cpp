#include <catch2/catch.hpp>

#include "core/birthday.h"

using namespace huitou;
using date::February;

namespace {
Date ymd(int y, unsigned m, unsigned d) {
    return Date{date::year{y}, date::month{m}, date::day{d}};
}
}  // namespace

TEST_CASE("birthdays are parsed strictly and formatted back") {
    SECTION("a full date and a year-less date") {
        const auto full = parse_birthday("1990-08-15");
        REQUIRE(full);
        CHECK(full->year == 1990);
        CHECK(full->month == 8);
        CHECK(full->day == 15);
        CHECK(format_birthday(*full) == "1990-08-15");
        const auto yearless = parse_birthday("--02-29");
        REQUIRE(yearless);
        CHECK_FALSE(yearless->year);
        CHECK(format_birthday(*yearless) == "--02-29");
    }
    SECTION("malformed or impossible dates are rejected with a reason") {
        const auto [text, fragment] = GENERATE(table<std::string, std::string>({
            {"1990-02-30", "not a real date"},
            {"1991-02-29", "not a real date"},
            {"--13-01", "not a real date"},
            {"1990/08/15", "is not YYYY-MM-DD"},
            {"19900815", "is not YYYY-MM-DD"},
            {"1990-8-15", "is not YYYY-MM-DD"},
            {"", "is not YYYY-MM-DD"},
            {"1850-01-01", "implausible year"},
        }));
        std::string error;
        CHECK_FALSE(parse_birthday(text, &error));
        CHECK_THAT(error, Catch::Contains(fragment));
    }
}

TEST_CASE("a birthday is kept on its day, 29 February on 28 February in common years") {
    const auto [birthday, day, kept] = GENERATE(table<std::string, Date, bool>({
        {"1990-09-15", ymd(2027, 9, 15), true},
        {"1990-09-15", ymd(2027, 9, 16), false},
        {"--09-15", ymd(2031, 9, 15), true},
        {"1996-02-29", ymd(2028, 2, 29), true},   // leap year: its own day
        {"1996-02-29", ymd(2028, 2, 28), false},  // ... and not the day before
        {"1996-02-29", ymd(2027, 2, 28), true},   // common year: 28 February
        {"1996-02-29", ymd(2027, 3, 1), false},
        {"--02-29", ymd(2100, 2, 28), true},     // 2100 is not a leap year
        {"2030-01-01", ymd(2029, 1, 1), false},  // before birth
    }));
    const auto b = parse_birthday(birthday);
    REQUIRE(b);
    CHECK(is_birthday_on(*b, day) == kept);
}

TEST_CASE("the age turned needs the birth year") {
    CHECK(age_turned(*parse_birthday("1990-09-15"), 2027) == 37);
    CHECK_FALSE(age_turned(*parse_birthday("--09-15"), 2027));
    CHECK_FALSE(age_turned(*parse_birthday("2030-09-15"), 2027));
}

TEST_CASE("planning a day reads the index entries of every birthday kept that day") {
    CHECK(index_month_day(*parse_birthday("1990-09-05")) == "09-05");
    CHECK(index_days_for(ymd(2027, 9, 15)) == std::vector<std::string>{"09-15"});
    CHECK(index_days_for(ymd(2027, 2, 28)) == std::vector<std::string>{"02-28", "02-29"});
    CHECK(index_days_for(ymd(2028, 2, 28)) == std::vector<std::string>{"02-28"});
    CHECK(index_days_for(ymd(2028, 2, 29)) == std::vector<std::string>{"02-29"});
}
