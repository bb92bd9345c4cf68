// festival_rule_test.cpp — festival rules as written in config, and the days
// they fall on. Links only core.
#include "core/festival_rule.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/lunar_calendar.h"

using Date = date::year_month_day;
using Days = std::vector<Date>;

namespace Catch {
template <>
struct StringMaker<Date> {
    static std::string convert(const Date& d) { return date::format("%F", d); }
};
}  // namespace Catch

namespace {

constexpr Date ymd(int y, unsigned m, unsigned d) {
    return Date{date::year{y}, date::month{m}, date::day{d}};
}

// The days `text` falls on in `year`; the rule must parse.
Days days_of(const std::string& text, int year) {
    std::string error;
    const auto rule = huitou::parse_festival_rule(text, &error);
    INFO(error);
    REQUIRE(rule);
    return huitou::occurrences_in(*rule, year);
}

}  // namespace

TEST_CASE("the festivals a shop greets on", "[festival_rule]") {
    // The lunar dates are the official calendar's (lunar_calendar_test checks
    // it against published dates and ICU); the weekdays are plain arithmetic.
    auto [text, year, expected] = GENERATE(table<std::string, int, Days>({
        {"solar:10-01", 2027, {ymd(2027, 10, 1)}},          // 国庆节
        {"solar:06-01", 2026, {ymd(2026, 6, 1)}},           // 儿童节
        {"lunar:01-01", 2027, {ymd(2027, 2, 6)}},           // 春节
        {"lunar:01-15", 2027, {ymd(2027, 2, 20)}},          // 元宵
        {"lunar:05-05", 2025, {ymd(2025, 5, 31)}},          // 端午
        {"lunar:07-07", 2025, {ymd(2025, 8, 29)}},          // 七夕
        {"lunar:08-15", 2027, {ymd(2027, 9, 15)}},          // 中秋
        {"lunar:09-09", 2025, {ymd(2025, 10, 29)}},         // 重阳
        {"lunar:09-09", 2057, {ymd(2057, 10, 6)}},          // HKO's 九月 of 2057
        {"lunar_year_end", 2027, {ymd(2027, 2, 5)}},        // 除夕 on the 29th
        {"lunar_year_end", 2030, {ymd(2030, 2, 2)}},        // 除夕 on the 30th
        {"weekday:05-2-sun", 2024, {ymd(2024, 5, 12)}},     // Mother's Day
        {"weekday:05-2-sun", 2025, {ymd(2025, 5, 11)}},     // Mother's Day
        {"weekday:06-3-sun", 2025, {ymd(2025, 6, 15)}},     // Father's Day
        {"weekday:11-4-thu", 2025, {ymd(2025, 11, 27)}},    // Thanksgiving
        {"weekday:05-last-mon", 2025, {ymd(2025, 5, 26)}},  // the last Monday of May
        {"weekday:02-last-sat", 2024, {ymd(2024, 2, 24)}},  // in a leap February
        {"weekday:03-5-fri", 2024, {ymd(2024, 3, 29)}},     // a 5th that exists
        {"weekday:02-5-sun", 2025, {}},                     // and one that does not
        {"term:qingming", 2025, {ymd(2025, 4, 4)}},         // 清明
        {"term:清明", 2026, {ymd(2026, 4, 5)}},             // by its Chinese name
        {"term:dongzhi", 2025, {ymd(2025, 12, 21)}},        // 冬至
    }));
    INFO(text << " in " << year);
    CHECK(days_of(text, year) == expected);
}

TEST_CASE("a lunar rule falls 0, 1 or 2 times in a solar year", "[festival_rule]") {
    SECTION("腊八 (lunar 12-08) twice in 2022, never in 2023") {
        CHECK(days_of("lunar:12-08", 2022) == Days{ymd(2022, 1, 10), ymd(2022, 12, 30)});
        CHECK(days_of("lunar:12-08", 2023) == Days{});
        CHECK(days_of("lunar:12-08", 2024) == Days{ymd(2024, 1, 18)});
    }
    SECTION("the year before 春节 is looked at too") {
        // Lunar 2026's 12th month runs 2027-01-08..02-05.
        CHECK(days_of("lunar:12-15", 2027) == Days{ymd(2027, 1, 22)});
        // Lunar 11-24 of both 2026 and 2027 falls in solar 2027.
        CHECK(days_of("lunar:11-24", 2027) == Days{ymd(2027, 1, 1), ymd(2027, 12, 21)});
    }
    SECTION("a 30th in a 29-day month does not occur") {
        REQUIRE(huitou::month_length(2026, 12, false) == 29);
        CHECK(days_of("lunar:12-30", 2027) == Days{});
        REQUIRE(huitou::month_length(2029, 12, false) == 30);
        CHECK(days_of("lunar:12-30", 2030) == Days{ymd(2030, 2, 2)});
    }
    SECTION("the leap month is not a second festival") {
        // 2023 had a leap 2nd month: 二月初二 (龙抬头) only once.
        REQUIRE(huitou::leap_month(2023) == 2);
        CHECK(days_of("lunar:02-02", 2023) == Days{ymd(2023, 2, 21)});
    }
    SECTION("every lunar date in every year falls 0..2 times, all in that year, ascending") {
        long failures = 0;
        for (int year = 1901; year <= 2099; ++year) {
            for (int month = 1; month <= 12; ++month) {
                for (int day = 1; day <= 30; ++day) {
                    const auto days =
                        huitou::occurrences_in(huitou::LunarDateRule{month, day}, year);
                    bool ok = days.size() <= 2;
                    for (std::size_t i = 0; ok && i < days.size(); ++i) {
                        const auto lunar = huitou::to_lunar(days[i]);
                        ok = days[i].year() == date::year{year} && lunar && lunar->month == month &&
                             lunar->day == day && !lunar->leap && (i == 0 || days[i - 1] < days[i]);
                    }
                    if (!ok) {
                        ++failures;
                        FAIL_CHECK(year << " lunar " << month << "-" << day);
                    }
                }
            }
        }
        CHECK(failures == 0);
    }
}

TEST_CASE("除夕 is the day before 春节, once a year", "[festival_rule]") {
    long failures = 0;
    for (int year = 1901; year <= 2099; ++year) {
        const auto eve = huitou::occurrences_in(huitou::LunarYearEndRule{}, year);
        const auto spring = huitou::occurrences_in(huitou::LunarDateRule{1, 1}, year);
        const bool ok = eve.size() == 1 && spring.size() == 1 &&
                        date::sys_days{eve[0]} + date::days{1} == date::sys_days{spring[0]};
        if (!ok) {
            ++failures;
            FAIL_CHECK(year);
        }
    }
    CHECK(failures == 0);
}

TEST_CASE("rules outside the calendar's range", "[festival_rule]") {
    CHECK(days_of("lunar:08-15", 1900) == Days{});
    CHECK(days_of("lunar:08-15", 2100) == Days{});
    CHECK(days_of("term:qingming", 2100) == Days{});
    CHECK(days_of("lunar_year_end", 2100) == Days{});
    // 除夕 of lunar 1900 fell on 1901-02-18, of lunar 2098 on 2099-01-20.
    CHECK(days_of("lunar_year_end", 1901) == Days{ymd(1901, 2, 18)});
    CHECK(days_of("lunar_year_end", 2099) == Days{ymd(2099, 1, 20)});
    // Solar and weekday rules need no calendar.
    CHECK(days_of("solar:10-01", 2150) == Days{ymd(2150, 10, 1)});
    CHECK(days_of("weekday:05-2-sun", 1890) == Days{ymd(1890, 5, 11)});
}

TEST_CASE("29 February is a festival in leap years only", "[festival_rule]") {
    CHECK(days_of("solar:02-29", 2024) == Days{ymd(2024, 2, 29)});
    CHECK(days_of("solar:02-29", 2025) == Days{});
}

TEST_CASE("parse_festival_rule reads the config forms", "[festival_rule]") {
    using huitou::FestivalRule;
    SECTION("each kind") {
        CHECK(huitou::parse_festival_rule("solar:10-01") ==
              FestivalRule{huitou::SolarDateRule{10, 1}});
        CHECK(huitou::parse_festival_rule("lunar:08-15") ==
              FestivalRule{huitou::LunarDateRule{8, 15}});
        CHECK(huitou::parse_festival_rule("weekday:05-2-sun") ==
              FestivalRule{huitou::NthWeekdayRule{5, 2, date::Sunday}});
        CHECK(huitou::parse_festival_rule("weekday:05-last-sun") ==
              FestivalRule{huitou::NthWeekdayRule{5, huitou::NthWeekdayRule::kLast, date::Sunday}});
        CHECK(huitou::parse_festival_rule("lunar_year_end") ==
              FestivalRule{huitou::LunarYearEndRule{}});
        CHECK(huitou::parse_festival_rule("term:qingming") ==
              FestivalRule{huitou::SolarTermRule{huitou::SolarTerm::qingming}});
        CHECK(huitou::parse_festival_rule("term:冬至") ==
              FestivalRule{huitou::SolarTermRule{huitou::SolarTerm::dongzhi}});
    }
    SECTION("format_festival_rule writes what parse reads") {
        auto text = GENERATE(as<std::string>{}, "solar:10-01", "solar:02-29", "lunar:08-15",
                             "lunar:12-30", "weekday:05-2-sun", "weekday:05-last-sun",
                             "weekday:11-4-thu", "weekday:01-1-mon", "lunar_year_end",
                             "term:qingming", "term:dongzhi", "term:xiaohan");
        const auto rule = huitou::parse_festival_rule(text);
        REQUIRE(rule);
        CHECK(huitou::format_festival_rule(*rule) == text);
    }
    SECTION("the Chinese name of a term reads back as its key") {
        CHECK(huitou::format_festival_rule(*huitou::parse_festival_rule("term:清明")) ==
              "term:qingming");
    }
}

TEST_CASE("parse_festival_rule says what is wrong", "[festival_rule]") {
    auto [text, says] = GENERATE(table<std::string, std::string>({
        {"", "expected solar:MM-DD, lunar:MM-DD, weekday:MM-N-DDD, lunar_year_end or term:NAME"},
        {"easter", "expected solar:MM-DD"},
        {"Solar:10-01", "expected solar:MM-DD"},
        {"solar:13-01", "month 13 is not 01..12"},
        {"solar:00-01", "month 00 is not 01..12"},
        {"solar:10-32", "day 32 is not 01..31"},
        {"solar:02-30", "there is no 02-30 in any year"},
        {"solar:04-31", "there is no 04-31 in any year"},
        {"solar:10-1", "expected MM-DD, two digits each"},
        {"solar:10/01", "expected MM-DD, two digits each"},
        {"solar:1o-01", "expected MM-DD, two digits each"},
        {"lunar:08-31", "day 31 is not 01..30"},
        {"lunar:13-01", "month 13 is not 01..12"},
        {"lunar:leap04-01", "not a leap month"},
        {"lunar:2027-08-15", "a festival rule has no year"},
        {"lunar:08-15 ", "expected MM-DD"},
        {"weekday:05-6-sun", "\"6\" is not a week number 1..5 or last"},
        {"weekday:05-0-sun", "\"0\" is not a week number 1..5 or last"},
        {"weekday:05-2-sunday", "\"sunday\" is not a weekday"},
        {"weekday:05-2-Sun", "\"Sun\" is not a weekday"},
        {"weekday:13-2-sun", "month 13 is not 01..12"},
        {"weekday:5-2-sun", "expected MM-N-DDD"},
        {"weekday:05-sun", "expected MM-N-DDD"},
        {"term:tomb-sweeping", "\"tomb-sweeping\" is not a solar term"},
        {"term:", "\"\" is not a solar term"},
        {"lunar_year_end ", "expected solar:MM-DD"},
    }));
    std::string error;
    CHECK_FALSE(huitou::parse_festival_rule(text, &error));
    INFO("error: " << error);
    CHECK(error.find("festival rule \"" + text + "\": ") == 0);
    CHECK(error.find(says) != std::string::npos);
}

TEST_CASE("a rule that parses leaves the error alone", "[festival_rule]") {
    std::string error = "untouched";
    CHECK(huitou::parse_festival_rule("lunar:08-15", &error));
    CHECK(error == "untouched");
    CHECK(huitou::parse_festival_rule("bogus") == std::nullopt);  // no error pointer: fine
}
