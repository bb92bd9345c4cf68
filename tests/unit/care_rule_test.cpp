// The care list's rule: the year's periods, each member's day in one, the
// spacing from messages and calls, the weekdays, the ranking and the limit;
// the care-call letter in the contact history; the stored entry.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "core/care_list.h"
#include "core/care_rule.h"
#include "core/config.h"
#include "core/visit_cycle.h"

using namespace huitou;

namespace {

int day_of(const char* text) {
    return day_number(*parse_date(text));
}

CareConfig enabled() {
    CareConfig c;
    c.enabled = true;
    return c;
}

CareMember member(std::string id, ValueSegment s = ValueSegment::important_value) {
    CareMember m;
    m.id = std::move(id);
    m.segment = s;
    return m;
}

}  // namespace

TEST_CASE("the year is cut into calls_per_year periods that cover it", "[care]") {
    const auto [n, year] = GENERATE(table<int, const char*>(
        {{1, "2027"}, {3, "2027"}, {3, "2028"}, {4, "2027"}, {7, "2028"}, {12, "2027"}}));
    CAPTURE(n, year);
    const int jan1 = day_of((std::string(year) + "-01-01").c_str());
    const int dec31 = day_of((std::string(year) + "-12-31").c_str());
    std::set<int> indexes;
    int expected_first = jan1;
    for (int d = jan1; d <= dec31; ++d) {
        const auto p = care_period(d, n);
        CHECK(p.first_day <= d);
        CHECK(d <= p.last_day);
        if (p.first_day == d) {
            CHECK(p.first_day == expected_first);
            expected_first = p.last_day + 1;
        }
        indexes.insert(p.index);
        const int length = p.last_day - p.first_day + 1;
        CHECK(length >= (dec31 - jan1 + 1) / n);
        CHECK(length <= (dec31 - jan1 + 1) / n + 1);
    }
    CHECK(expected_first == dec31 + 1);
    CHECK(indexes.size() == static_cast<std::size_t>(n));
}

TEST_CASE("a member's day in a period is fixed, in its first two thirds, and varies by member",
          "[care]") {
    const auto p = care_period(day_of("2027-06-01"), 3);  // 365 days: 121, 122, 122
    CHECK(p == CarePeriod{1, day_of("2027-05-02"), day_of("2027-08-31")});
    std::set<int> days;
    for (int i = 0; i < 200; ++i) {
        const int d = care_day("M" + std::to_string(i), p);
        CHECK(d >= p.first_day);
        CHECK(d < p.first_day + (p.last_day - p.first_day + 1) * 2 / 3);
        CHECK(care_day("M" + std::to_string(i), p) == d);
        days.insert(d);
    }
    CHECK(days.size() > 50);  // spread, not one day for everyone
}

TEST_CASE("who is due, and why not", "[care]") {
    auto c = enabled();
    const int today = day_of("2027-03-10");
    auto m = member("M1");
    const auto period = care_period(today, 3);
    const int own = care_day("M1", period);
    REQUIRE(own <= today);  // M1's day in Jan–Apr 2027 has come by 10 March

    SECTION("due") {
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::due);
    }
    SECTION("care off, or not a calling weekday") {
        c.enabled = false;
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::off);
        c.enabled = true;
        c.weekdays = {1, 2, 4, 5, 6};
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::off);
    }
    SECTION("the segments") {
        m.segment = ValueSegment::general_value;
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::not_in_segments);
        m.segment.reset();
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::not_in_segments);
        m.segment = ValueSegment::important_retain;
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::due);
    }
    SECTION("don't call again") {
        m.stopped = true;
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::stopped);
    }
    SECTION("one done care call a period") {
        m.care_days = {period.first_day};
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::called);
        m.care_days = {period.first_day - 1};  // the period before
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::due);
    }
    SECTION("her day has not come") {
        CHECK(care_due(m, own - 1, 3, c).verdict ==
              (own > period.first_day ? CareVerdict::not_yet : CareVerdict::due));
    }
    SECTION("quiet days after any message or care call") {
        const auto [ago, kind, verdict] = GENERATE(table<int, std::optional<Kind>, CareVerdict>({
            {0, Kind::birthday, CareVerdict::quiet},
            {1, Kind::festival, CareVerdict::quiet},
            {7, Kind::card_expiry, CareVerdict::quiet},
            {8, Kind::winback, CareVerdict::due},
            {3, std::nullopt, CareVerdict::quiet},  // a care call (of the period before)
            {8, std::nullopt, CareVerdict::due},
            {-1, Kind::birthday, CareVerdict::due},  // a later day's record is not today's
        }));
        CAPTURE(ago);
        m.contacts = {{today - ago, kind}};
        CHECK(care_due(m, today, 3, c).verdict == verdict);
    }
    SECTION("a message planned today") {
        m.message_today = true;
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::quiet);
    }
    SECTION("quiet_days 0 still keeps a message's own day") {
        c.quiet_days = 0;
        m.contacts = {{today - 1, Kind::birthday}};
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::due);
        m.contacts = {{today, Kind::birthday}};
        CHECK(care_due(m, today, 3, c).verdict == CareVerdict::quiet);
    }
}

TEST_CASE("over a year, a member called whenever due gets calls_per_year calls, spaced", "[care]") {
    const int n = GENERATE(1, 3, 4, 12);
    auto c = enabled();
    c.calls_per_year = n;
    for (int i = 0; i < 50; ++i) {
        auto m = member("V" + std::to_string(i));
        const int jan1 = day_of("2027-01-01"), dec31 = day_of("2027-12-31");
        std::vector<int> calls;
        for (int d = jan1; d <= dec31; ++d) {
            if (care_due(m, d, 1, c).verdict != CareVerdict::due) continue;
            calls.push_back(d);
            m.care_days = with_care_day(m.care_days, d);
            m.contacts = with_contact(m.contacts, d, std::nullopt);
        }
        CHECK(calls.size() == static_cast<std::size_t>(n));
        for (std::size_t k = 1; k < calls.size(); ++k)
            CHECK(calls[k] - calls[k - 1] > c.quiet_days);
    }
}

TEST_CASE("a member who enters the segment late gets the periods left", "[care]") {
    auto c = enabled();
    auto m = member("LATE");
    m.segment.reset();
    int calls = 0;
    for (int d = day_of("2027-01-01"); d <= day_of("2027-12-31"); ++d) {
        if (d == day_of("2027-06-01")) m.segment = ValueSegment::important_retain;
        if (care_due(m, d, 1, c).verdict != CareVerdict::due) continue;
        ++calls;
        m.care_days = with_care_day(m.care_days, d);
    }
    CHECK(calls == 2);  // May–Aug (entered on 1 June, her day comes after) and Sep–Dec
}

TEST_CASE("the day's list: the segments' order, who waited longest, then the limit", "[care]") {
    auto c = enabled();
    c.daily_limit = 3;
    const auto p = care_period(day_of("2027-03-10"), 3);
    auto cand = [&](std::string id, ValueSegment s, int day) {
        return CareCandidate{std::move(id), s, {CareVerdict::due, p, day}};
    };
    const auto list = choose_care_list({cand("A", ValueSegment::important_value, p.first_day),
                                        cand("B", ValueSegment::important_retain, p.first_day + 9),
                                        cand("C", ValueSegment::important_retain, p.first_day + 2),
                                        cand("D", ValueSegment::important_value, p.first_day),
                                        cand("E", ValueSegment::important_value, p.first_day + 1)},
                                       c);
    REQUIRE(list.size() == 3);
    CHECK(list[0].id == "C");  // 重要挽留 first, the longer wait first
    CHECK(list[1].id == "B");
    CHECK(list[2].id == "A");  // then 重要价值; A before D on the same day, by id
}

TEST_CASE("a care call in the contact history: letter k, counted by the caps", "[care]") {
    const std::vector<Contact> h{{20700, Kind::birthday}, {20705, std::nullopt}};
    CHECK(format_contacts(h) == "20700b 20705k");
    CHECK(parse_contacts("20700b 20705k") == h);
    PolicyConfig policy;
    // One care call today: the daily cap (1) holds a greeting back.
    CHECK(check_contact({{20711, std::nullopt}}, Kind::birthday, 20711, policy) ==
          ContactCheck::capped_day);
    // A win-back waits its cooldown (3 days) after a care call, as after any other kind.
    CHECK(check_contact({{20709, std::nullopt}}, Kind::winback, 20711, policy) ==
          ContactCheck::cooldown);
    CHECK(check_contact({{20708, std::nullopt}}, Kind::winback, 20711, policy) == ContactCheck::ok);
}

TEST_CASE("care days and entries round-trip", "[care]") {
    CHECK(parse_care_days("20711,20800") == std::vector<int>{20711, 20800});
    CHECK(parse_care_days("20711,x,,20800") == std::vector<int>{20711, 20800});
    CHECK(format_care_days({20711, 20800}) == "20711,20800");
    CHECK(with_care_day({20000, 20711}, 20800) == std::vector<int>{20711, 20800});
    CHECK(with_care_day({20800}, 20800) == std::vector<int>{20800});

    CareEntry e{"M1",
                CareState::done,
                ValueSegment::important_retain,
                SysSeconds{std::chrono::seconds{1800000000}},
                "wang",
                "聊得很好 | 下月再来"};
    const auto text = encode_care_entry(e);
    CHECK(text == "done|1|1800000000|wang|聊得很好 | 下月再来");
    CHECK(decode_care_entry("M1", text) == e);
    CHECK_FALSE(decode_care_entry("M1", "done|9|0||"));
    CHECK_FALSE(decode_care_entry("M1", "maybe|1|0||"));
    CHECK_FALSE(decode_care_entry("M1", "done|1|x||"));
    CHECK(parse_care_state("已联系") == CareState::done);
    CHECK(parse_care_state("no_answer") == CareState::no_answer);
    CHECK_FALSE(parse_care_state("called"));
}

TEST_CASE("[care] in the config", "[care][config]") {
    const auto parse = [](const std::string& care) {
        return parse_config("[stores.toyland]\nname = \"童乐\"\n[stores.toyland.care]\n" + care,
                            "huitou.toml");
    };
    const auto c = parse(
        "enabled = true\nsegments = [\"重要价值\"]\ncalls_per_year = 4\nquiet_days = 10\n"
        "hours = [\"15:00-17:00\", \"10:00-11:00\"]\ndaily_limit = 5\nweekdays = [1,2,3,4,5]\n"
        "robot_url = \"http://127.0.0.1:9/send\"\nrobot_key_env = \"ROBOT\"\n");
    const auto& care = c.stores.at("toyland").care;
    CHECK(care.enabled);
    CHECK(care.segments == std::vector<ValueSegment>{ValueSegment::important_value});
    CHECK(care.calls_per_year == 4);
    CHECK(care.quiet_days == 10);
    CHECK(format_time_windows(care.hours) ==
          format_time_windows(
              {*parse_time_window("10:00-11:00"), *parse_time_window("15:00-17:00")}));
    CHECK(care.daily_limit == 5);
    CHECK(care.weekdays == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(care.has_robot());
    CHECK(care.robot_key.env == "ROBOT");

    const auto defaults = parse_config("[stores.toyland]\nname = \"童乐\"\n", "huitou.toml");
    CHECK_FALSE(defaults.stores.at("toyland").care.enabled);
    CHECK(defaults.stores.at("toyland").care.segments ==
          std::vector<ValueSegment>{ValueSegment::important_retain, ValueSegment::important_value});

    const auto [text, says] = GENERATE(table<const char*, const char*>({
        {"segments = [\"大客户\"]", "stores.toyland.care.segments: unknown segment"},
        {"hours = [\"22:00-23:00\"]", "never at night"},
        {"hours = [\"10:00-12:00\", \"11:00-13:00\"]", "overlap"},
        {"quiet_days = 30", "stores.toyland.care.quiet_days"},
        {"calls_per_year = 0", "stores.toyland.care.calls_per_year"},
        {"weekdays = [8]", "stores.toyland.care.weekdays"},
        {"robot_url = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc\"", "secret"},
        {"robot_key = \"abc\"", "robot_key"},
        {"calls = 3", "stores.toyland.care.calls: unknown key"},
    }));
    CAPTURE(text);
    CHECK_THROWS_WITH(parse(text), Catch::Contains(says));
}

TEST_CASE("her working hours: the calling hours left on a working day, none left is not her day",
          "[care]") {
    using std::chrono::minutes;
    auto window = [](int h1, int m1, int h2, int m2) {
        return TimeWindow{minutes(h1 * 60 + m1), minutes(h2 * 60 + m2)};
    };
    auto c = enabled();  // 10:00–11:30, 14:30–17:30, 19:00–20:30
    const std::vector<TimeWindow> office{window(9, 0, 18, 0)};
    CHECK(care_hours(c, office, 3) == std::vector<TimeWindow>{window(19, 0, 20, 30)});
    CHECK(care_hours(c, office, 6) == c.hours);  // Saturday: not at work
    CHECK(care_hours(c, {}, 3) == c.hours);
    // A slice under 15 minutes is no time to call: 17:20–17:30 dropped.
    CHECK(care_hours(c, {window(9, 0, 12, 0), window(13, 0, 17, 20)}, 1) ==
          std::vector<TimeWindow>{window(19, 0, 20, 30)});
    // A lunch break at work leaves a window.
    CHECK(care_hours(c, {window(8, 0, 11, 0), window(12, 0, 20, 30)}, 2) ==
          std::vector<TimeWindow>{window(11, 0, 11, 30)});

    const int today = day_of("2027-03-10");  // a Wednesday
    auto m = member("M1");
    REQUIRE(care_due(m, today, 3, c).verdict == CareVerdict::due);
    m.work_hours = {window(9, 0, 21, 0)};  // covers every calling hour
    CHECK(care_due(m, today, 3, c).verdict == CareVerdict::at_work);
    CHECK(care_due(m, today + 3, 6, c).verdict == CareVerdict::due);  // her Saturday
    m.work_hours = office;
    CHECK(care_due(m, today, 3, c).verdict == CareVerdict::due);

    std::string why;
    CHECK(parse_work_hours("", &why) == std::vector<TimeWindow>{});
    CHECK_FALSE(parse_work_hours("18:00-09:00", &why));
    CHECK_THAT(why, Catch::Contains("ends before it begins"));
    CHECK_FALSE(
        parse_work_hours("01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00", &why));
    CHECK_THAT(why, Catch::Contains("more than 4"));
    CHECK(format_work_hours(*parse_work_hours("13:30-18:00、9:00-12:00")) ==
          "09:00-12:00,13:30-18:00");
}
