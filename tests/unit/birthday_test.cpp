#include <catch2/catch.hpp>

#include "core/birthday.h"

using namespace huitou;
using date::February;

namespace {
Date ymd(int y, unsigned m, unsigned d) {
    return Date{date::year{y}, date::month{m}, date::day{d}};
}

Birthday must_parse(const std::string& text) {
    std::string error;
    const auto b = parse_birthday(text, &error);
    INFO(text << ": " << error);
    REQUIRE(b);
    return *b;
}

// The days of [from, to] on which `b` is kept.
std::vector<Date> kept_between(const Birthday& b, Date from, Date to) {
    std::vector<Date> days;
    for (auto d = date::sys_days{from}; d <= date::sys_days{to}; d += date::days{1}) {
        if (is_birthday_on(b, Date{d})) days.push_back(Date{d});
    }
    return days;
}
}  // namespace

TEST_CASE("birthdays are parsed strictly and formatted back") {
    SECTION("a full date and a year-less date") {
        const auto full = parse_birthday("1990-08-15");
        REQUIRE(full);
        CHECK(full->year == 1990);
        CHECK(full->month == 8);
        CHECK(full->day == 15);
        CHECK_FALSE(full->lunar);
        CHECK(format_birthday(*full) == "1990-08-15");
        const auto yearless = parse_birthday("--02-29");
        REQUIRE(yearless);
        CHECK_FALSE(yearless->year);
        CHECK(format_birthday(*yearless) == "--02-29");
    }
    SECTION("lunar forms round-trip") {
        auto text = GENERATE(as<std::string>{}, "lunar:1990-08-15", "lunar:1990-leap05-10",
                             "lunar:--08-15", "lunar:--leap04-10", "lunar:1991-08-30",
                             "lunar:1989-12-30", "lunar:2023-leap02-29");
        CHECK(format_birthday(must_parse(text)) == text);
    }
    SECTION("a lunar birthday's parts") {
        const auto b = must_parse("lunar:1990-leap05-10");
        CHECK(b.lunar);
        CHECK(b.year == 1990);
        CHECK(b.month == 5);
        CHECK(b.leap);
        CHECK(b.day == 10);
        CHECK_FALSE(must_parse("lunar:--08-15").year);
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
            {"lunar:1990-8-15", "is not lunar:YYYY-MM-DD"},
            {"lunar:1990-13-01", "is not lunar:YYYY-MM-DD"},
            {"lunar:1990-08-31", "is not lunar:YYYY-MM-DD"},
            {"lunar:--08", "is not lunar:YYYY-MM-DD"},
            {"lunar:--leap8-01", "is not lunar:YYYY-MM-DD"},
            {"农历八月十五", "is not YYYY-MM-DD"},
            {"lunar:1850-01-01", "outside the lunar calendar"},
            // Lunar 1990 doubles its 5th month, not its 4th.
            {"lunar:1990-leap04-10",
             "lunar 1990 has no leap 4th month (its leap month is the 5th)"},
            {"lunar:1991-leap04-10", "lunar 1991 has no leap 4th month (it has no leap month)"},
            {"lunar:1990-08-30", "the 8th month of lunar 1990 has 29 days"},
            {"lunar:1990-leap05-30", "the leap 5th month of lunar 1990 has 29 days"},
        }));
        std::string error;
        CHECK_FALSE(parse_birthday(text, &error));
        INFO(error);
        CHECK_THAT(error,
                   Catch::StartsWith("birthday \"" + text + "\"") && Catch::Contains(fragment));
    }
}

TEST_CASE("a solar birthday is kept on its day, 29 February on 28 February in common years") {
    const auto [birthday, day, kept] = GENERATE(table<std::string, Date, bool>({
        {"1990-09-15", ymd(2027, 9, 15), true},
        {"1990-09-15", ymd(2027, 9, 16), false},
        {"--09-15", ymd(2031, 9, 15), true},
        {"1996-02-29", ymd(2028, 2, 29), true},   // leap year: its own day
        {"1996-02-29", ymd(2028, 2, 28), false},  // ... and not the day before
        {"1996-02-29", ymd(2027, 2, 28), true},   // common year: 28 February
        {"1996-02-29", ymd(2027, 3, 1), false},
        {"--02-29", ymd(2100, 2, 28), true},      // 2100 is not a leap year
        {"1996-02-28", ymd(2027, 2, 28), true},   // shares the day with 29 February
        {"2030-01-01", ymd(2029, 1, 1), false},   // before birth
        {"2027-09-15", ymd(2027, 9, 15), false},  // the day of birth is no birthday
        {"2027-09-15", ymd(2028, 9, 15), true},
    }));
    CHECK(is_birthday_on(must_parse(birthday), day) == kept);
}

TEST_CASE("a lunar birthday is kept once a year by the calendar's rules") {
    SECTION("an ordinary lunar date") {
        const auto b = must_parse("lunar:1990-08-15");
        CHECK(kept_between(b, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              std::vector<Date>{ymd(2027, 9, 15)});  // 中秋 2027
    }
    SECTION("a 30th missing this year is kept on the 29th") {
        // Lunar 1991's 8th month has 30 days, 2027's has 29.
        const auto b = must_parse("lunar:1991-08-30");
        CHECK(kept_between(b, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              std::vector<Date>{ymd(2027, 9, 29)});
        CHECK(is_birthday_on(must_parse("lunar:--08-30"), ymd(2027, 9, 29)));
        // Lunar 1989-12-30 in lunar 2026, whose 12th month has 29 days: 除夕 2027-02-05.
        CHECK(is_birthday_on(must_parse("lunar:1989-12-30"), ymd(2027, 2, 5)));
        CHECK(age_turned(must_parse("lunar:1989-12-30"), ymd(2027, 2, 5)) == 37);
    }
    SECTION("a leap-month birthday in a year without that leap month: the ordinary month") {
        const auto b = must_parse("lunar:1990-leap05-10");
        CHECK(kept_between(b, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              std::vector<Date>{ymd(2027, 6, 14)});  // lunar 2027-05-10
    }
    SECTION("a leap-month birthday in a year with that leap month: the leap month") {
        const auto b = must_parse("lunar:1990-leap05-10");
        // Lunar 2028 doubles its 5th month: 05-10 is 2028-06-02, leap05-10 is 2028-07-02.
        CHECK(kept_between(b, ymd(2028, 1, 1), ymd(2028, 12, 31)) ==
              std::vector<Date>{ymd(2028, 7, 2)});
        // A leap-month 30th in a 29-day leap month: its 29th.
        CHECK(kept_between(must_parse("lunar:--leap05-30"), ymd(2028, 1, 1), ymd(2028, 12, 31)) ==
              std::vector<Date>{ymd(2028, 7, 21)});
        CHECK(kept_between(must_parse("lunar:--leap05-30"), ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              std::vector<Date>{ymd(2027, 7, 3)});  // no leap 5th: ordinary 05-29 (29 days)
    }
    SECTION("an ordinary-month birthday is kept once in a year that doubles its month") {
        const auto b = must_parse("lunar:1990-05-10");
        CHECK(kept_between(b, ymd(2028, 1, 1), ymd(2028, 12, 31)) ==
              std::vector<Date>{ymd(2028, 6, 2)});  // not again on leap05-10 (2028-07-02)
        CHECK(kept_between(must_parse("lunar:--02-10"), ymd(2023, 1, 1), ymd(2023, 12, 31)) ==
              std::vector<Date>{ymd(2023, 3, 1)});  // not on 2023-03-31, lunar:2023-leap02-10
        CHECK(kept_between(must_parse("lunar:--02-30"), ymd(2023, 1, 1), ymd(2023, 12, 31)) ==
              std::vector<Date>{ymd(2023, 3, 21)});  // 2023's ordinary 2nd month has 30 days
    }
    SECTION("a 12th-month birthday may fall twice in a solar year, once per lunar year") {
        const auto b = must_parse("lunar:1990-12-20");
        CHECK(kept_between(b, ymd(2027, 1, 1), ymd(2028, 12, 31)) ==
              std::vector<Date>{ymd(2027, 1, 27), ymd(2028, 1, 16)});
        CHECK(age_turned(b, ymd(2027, 1, 27)) == 36);
        CHECK(age_turned(b, ymd(2028, 1, 16)) == 37);
    }
    SECTION("not before the first birthday, not outside the calendar") {
        CHECK(kept_between(must_parse("lunar:2027-08-15"), ymd(2027, 1, 1), ymd(2027, 12, 31))
                  .empty());
        CHECK_FALSE(is_birthday_on(must_parse("lunar:--08-15"), ymd(2100, 9, 15)));
        CHECK_FALSE(kept_in(must_parse("lunar:--08-15"), 2100));
    }
}

TEST_CASE("ages: turned on the birthday, completed on any day") {
    CHECK(age_turned(must_parse("1990-09-15"), ymd(2027, 9, 15)) == 37);
    CHECK_FALSE(age_turned(must_parse("--09-15"), ymd(2027, 9, 15)));
    CHECK_FALSE(age_turned(must_parse("2030-09-15"), ymd(2027, 9, 15)));
    CHECK(age_turned(must_parse("lunar:1990-08-15"), ymd(2027, 9, 15)) == 37);

    CHECK(age_on(must_parse("1967-09-15"), ymd(2027, 9, 14)) == 59);
    CHECK(age_on(must_parse("1967-09-15"), ymd(2027, 9, 15)) == 60);
    CHECK(age_on(must_parse("1964-02-29"), ymd(2027, 2, 27)) == 62);
    CHECK(age_on(must_parse("1964-02-29"), ymd(2027, 2, 28)) == 63);
    // Lunar 1967-08-15 was 1967-09-18; its 60th birthday is 中秋 2027.
    CHECK(age_on(must_parse("lunar:1967-08-15"), ymd(2027, 9, 14)) == 59);
    CHECK(age_on(must_parse("lunar:1967-08-15"), ymd(2027, 9, 15)) == 60);
    CHECK_FALSE(age_on(must_parse("--09-15"), ymd(2027, 9, 15)));
    CHECK_FALSE(age_on(must_parse("2030-01-01"), ymd(2027, 9, 15)));
    CHECK(age_on(must_parse("2027-09-15"), ymd(2027, 9, 15)) == 0);
}

TEST_CASE("planning a day reads the index keys of every birthday kept that day") {
    using Keys = std::vector<std::string>;
    CHECK(birthday_index_key(must_parse("1990-09-05")) == "bd:09-05");
    CHECK(birthday_index_key(must_parse("lunar:1990-08-15")) == "lbd:08-15");
    CHECK(birthday_index_key(must_parse("lunar:--leap04-10")) == "lbd:leap04-10");

    // 2027-09-15 is lunar 2027-08-15; lunar 2027 has no leap month.
    CHECK(birthday_index_keys_on(ymd(2027, 9, 15)) ==
          Keys{"bd:09-15", "lbd:08-15", "lbd:leap08-15"});
    // 28 February of a common year also reads 02-29.
    CHECK(birthday_index_keys_on(ymd(2027, 2, 28)) ==
          Keys{"bd:02-28", "bd:02-29", "lbd:01-23", "lbd:leap01-23"});
    CHECK(birthday_index_keys_on(ymd(2028, 2, 29))[0] == "bd:02-29");
    // The 29th that ends a 29-day month reads the 30th too (lunar 2027-08-29).
    CHECK(birthday_index_keys_on(ymd(2027, 9, 29)) ==
          Keys{"bd:09-29", "lbd:08-29", "lbd:leap08-29", "lbd:08-30", "lbd:leap08-30"});
    // Lunar 2023 doubles its 2nd month: the ordinary month reads no leap keys,
    // the leap month reads only its own.
    CHECK(birthday_index_keys_on(ymd(2023, 3, 1)) == Keys{"bd:03-01", "lbd:02-10"});
    CHECK(birthday_index_keys_on(ymd(2023, 3, 31)) == Keys{"bd:03-31", "lbd:leap02-10"});
    // Lunar 2028's leap 5th month has 29 days: its 29th reads its 30th.
    CHECK(birthday_index_keys_on(ymd(2028, 7, 21)) ==
          Keys{"bd:07-21", "lbd:leap05-29", "lbd:leap05-30"});
    CHECK(birthday_index_keys_on(ymd(2100, 1, 1)) == Keys{"bd:01-01"});  // past the calendar
    CHECK(all_birthday_index_keys().size() == 366 + 720);
}

TEST_CASE("every birthday kept on a day is in one of the day's index keys") {
    // Exhaustive over 2020-2031 and every lunar and solar month-day.
    std::vector<Birthday> all;
    for (const auto& key : all_birthday_index_keys()) {
        const bool lunar = key.starts_with("lbd:");
        std::string text = lunar ? "lunar:--" + key.substr(4) : "--" + key.substr(3);
        all.push_back(must_parse(text));
    }
    for (auto d = date::sys_days{ymd(2020, 1, 1)}; d <= date::sys_days{ymd(2031, 12, 31)};
         d += date::days{1}) {
        const auto keys = birthday_index_keys_on(Date{d});
        for (const auto& b : all) {
            const bool indexed =
                std::find(keys.begin(), keys.end(), birthday_index_key(b)) != keys.end();
            if (is_birthday_on(b, Date{d}) != indexed) {
                FAIL(format_birthday(b) << " on " << format_date(Date{d}));
            }
        }
    }
}
