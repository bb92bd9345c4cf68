// Send windows: parsing, open intervals in the store's zone (lunch closed),
// the next opening, and spreading a day's messages over open time.
#include <catch2/catch.hpp>

#include <set>

#include "core/send_window.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

const date::time_zone* shanghai() {
    return date::locate_zone("Asia/Shanghai");
}

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

// 09:00–12:00, 13:30–20:30: the default, lunch closed.
std::vector<OpenInterval> default_day() {
    return open_intervals({*parse_time_window("09:00-12:00"), *parse_time_window("13:30-20:30")},
                          *parse_date("2027-09-15"), shanghai());
}

}  // namespace

TEST_CASE("windows parse from the ways people write them", "[send_window]") {
    CHECK(parse_time_window("09:00-12:00") == TimeWindow{9h, 12h});
    CHECK(parse_time_window(" 13:30 – 20:30 ") == TimeWindow{13h + 30min, 20h + 30min});
    CHECK(parse_time_window("20:00~24:00") == TimeWindow{20h, 24h});
    std::string why;
    CHECK_FALSE(parse_time_window("12:00-09:00", &why));
    CHECK_THAT(why, Catch::Contains("ends before it begins"));
    CHECK_FALSE(parse_time_window("9 to 5", &why));
    CHECK_FALSE(parse_time_window("24:00-24:00"));
    CHECK(format_time_windows({{9h, 12h}, {13h + 30min, 20h + 30min}}) ==
          "09:00–12:00, 13:30–20:30");
}

TEST_CASE("a day's open intervals, and what is open when", "[send_window]") {
    const auto open = default_day();
    REQUIRE(open.size() == 2);
    CHECK(open[0] ==
          OpenInterval{at("2027-09-15T09:00:00+08:00"), at("2027-09-15T12:00:00+08:00")});
    CHECK(open[1] ==
          OpenInterval{at("2027-09-15T13:30:00+08:00"), at("2027-09-15T20:30:00+08:00")});

    using Row = std::tuple<const char*, bool, std::optional<const char*>>;
    const auto [when, is, next] = GENERATE(table<const char*, bool, std::optional<const char*>>({
        Row{"2027-09-15T07:00:00+08:00", false, "2027-09-15T09:00:00+08:00"},
        Row{"2027-09-15T09:00:00+08:00", true, "2027-09-15T09:00:00+08:00"},
        Row{"2027-09-15T11:59:59+08:00", true, "2027-09-15T11:59:59+08:00"},
        Row{"2027-09-15T12:00:00+08:00", false, "2027-09-15T13:30:00+08:00"},  // lunch
        Row{"2027-09-15T13:29:59+08:00", false, "2027-09-15T13:30:00+08:00"},
        Row{"2027-09-15T20:29:59+08:00", true, "2027-09-15T20:29:59+08:00"},
        Row{"2027-09-15T20:30:00+08:00", false, std::nullopt},  // closed for the day
        Row{"2027-09-15T23:00:00+08:00", false, std::nullopt},
    }));
    CAPTURE(when);
    CHECK(is_open(open, at(when)) == is);
    const auto got = next_open(open, at(when));
    CHECK(got.has_value() == next.has_value());
    if (next && got) CHECK(*got == at(*next));
}

TEST_CASE("open time is counted across the lunch break, never in it", "[send_window]") {
    const auto open = default_day();
    CHECK(open_time_after(open, at("2027-09-15T00:00:00+08:00")) == 10h);
    CHECK(open_time_after(open, at("2027-09-15T11:30:00+08:00")) == 30min + 7h);
    CHECK(open_time_after(open, at("2027-09-15T21:00:00+08:00")) == 0s);
    // An hour of open time from 11:30: half an hour before lunch, half after.
    CHECK(after_open_time(open, at("2027-09-15T11:30:00+08:00"), 1h) ==
          at("2027-09-15T14:00:00+08:00"));
    CHECK(after_open_time(open, at("2027-09-15T12:10:00+08:00"), 0s) ==
          at("2027-09-15T13:30:00+08:00"));
    CHECK_FALSE(after_open_time(open, at("2027-09-15T20:00:00+08:00"), 1h));
}

TEST_CASE("a day's messages are spread, deterministically, inside the windows", "[send_window]") {
    const auto open = default_day();
    SECTION("from 11:00: two hours of open time, across lunch, not the first second") {
        const SysSeconds start = at("2027-09-15T11:00:00+08:00");
        std::set<SysSeconds> times;
        for (int i = 0; i < 500; ++i) {
            const std::string key = "M" + std::to_string(i) + "|birthday";
            const auto due = spread_due(open, start, 120min, key);
            REQUIRE(due);
            CHECK(is_open(open, *due));
            CHECK(*due >= start);
            // Two hours of open time from 11:00 ends at 13:30 + 1h (lunch skipped).
            CHECK(*due < at("2027-09-15T14:30:00+08:00"));
            CHECK(spread_due(open, start, 120min, key) == due);  // the same every time
            times.insert(*due);
        }
        CHECK(times.size() > 450);  // 500 messages, hardly two in one second
        std::size_t after_lunch = 0;
        for (const auto t : times)
            after_lunch += t >= at("2027-09-15T13:30:00+08:00") ? 1 : 0;
        CHECK(after_lunch > 200);  // half the span lies after lunch
        CHECK(after_lunch < 300);
    }
    SECTION("planned late: shortened to the open time left") {
        const SysSeconds start = at("2027-09-15T20:00:00+08:00");
        for (int i = 0; i < 100; ++i) {
            const auto due = spread_due(open, start, 120min, std::to_string(i));
            REQUIRE(due);
            CHECK(*due >= start);
            CHECK(*due < at("2027-09-15T20:30:00+08:00"));
        }
    }
    SECTION("planned over lunch: from the afternoon's opening") {
        const auto due = spread_due(open, at("2027-09-15T12:15:00+08:00"), 0min, "k");
        CHECK(due == at("2027-09-15T13:30:00+08:00"));
    }
    SECTION("planned after the last window: no time today") {
        CHECK_FALSE(spread_due(open, at("2027-09-15T20:30:00+08:00"), 120min, "k"));
    }
}

TEST_CASE("windows follow the store's zone and its daylight saving", "[send_window]") {
    // New York, the day the clocks go back: the windows stay local times.
    const auto* ny = date::locate_zone("America/New_York");
    const auto open =
        open_intervals({*parse_time_window("09:00-20:30")}, *parse_date("2027-11-07"), ny);
    REQUIRE(open.size() == 1);
    CHECK(open[0].begin == at("2027-11-07T09:00:00-05:00"));
    CHECK(open[0].end == at("2027-11-07T20:30:00-05:00"));
    const auto whole =
        open_intervals({*parse_time_window("00:00-24:00")}, *parse_date("2027-11-07"), ny);
    CHECK(whole[0].end - whole[0].begin == 25h);
}
