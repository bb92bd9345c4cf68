// Value segments (core/value_segment.h): the numbers of one member, the
// store's thresholds, the eight-segment table, at their exact boundaries.
#include "core/value_segment.h"

#include <catch2/catch.hpp>

#include "core/config_error.h"
#include "core/festival_config.h"
#include "core/holidays.h"
#include "core/visit_cycle.h"

using namespace huitou;

namespace {

Date d(int y, unsigned m, unsigned day) {
    return Date{date::year{y} / date::month{m} / date::day{day}};
}

// A generated member: last visit `days_ago` before `today`, `visits` visits
// of `cents_each` in today's month.
struct Generated {
    int days_ago;
    long long visits;
    long long cents_each;
};

}  // namespace

TEST_CASE("the segment table: R high = recent, F and M high = more than the middle member") {
    const SegmentThresholds t{30, 2, 50000, 100};
    // Exactly at a threshold is low; one better is high.
    const auto [r, f, m, expected] = GENERATE(table<int, long long, long long, ValueSegment>({
        {29, 3, 50001, ValueSegment::important_value},
        {29, 2, 50001, ValueSegment::important_growth},
        {30, 3, 50001, ValueSegment::important_keep},
        {30, 2, 50001, ValueSegment::important_retain},
        {29, 3, 50000, ValueSegment::general_value},
        {29, 2, 50000, ValueSegment::general_growth},
        {30, 3, 50000, ValueSegment::general_keep},
        {30, 2, 50000, ValueSegment::general_retain},
        {0, 1, 0, ValueSegment::general_growth},
        {365, 100, 9999999, ValueSegment::important_keep},
    }));
    CAPTURE(r, f, m);
    CHECK(segment_of({r, f, m}, t) == expected);
}

TEST_CASE("segment names and keys: each of the eight, both ways") {
    CHECK(segments_best_first().size() == 8);
    for (const auto s : segments_best_first()) {
        CHECK(parse_segment(segment_name(s)) == s);
        CHECK(parse_segment(segment_key(s)) == s);
        CHECK(parse_segment(std::string(segment_name(s)) + "客户") == s);
    }
    CHECK(segment_name(ValueSegment::important_value) == "重要价值");
    CHECK(segment_name(ValueSegment::important_growth) == "重要发展");
    CHECK(segment_name(ValueSegment::important_keep) == "重要保持");
    CHECK(segment_name(ValueSegment::important_retain) == "重要挽留");
    CHECK(segment_name(ValueSegment::general_value) == "一般价值");
    CHECK(segment_name(ValueSegment::general_growth) == "一般发展");
    CHECK(segment_name(ValueSegment::general_keep) == "一般保持");
    CHECK(segment_name(ValueSegment::general_retain) == "一般挽留");
    CHECK_FALSE(parse_segment("重要"));
    CHECK_FALSE(parse_segment(""));
}

TEST_CASE("thresholds: the middle member from the worst end") {
    SECTION("an odd count: the middle one") {
        const auto t =
            thresholds_of({10, 50, 30, 20, 40}, {1, 5, 2, 4, 3}, {100, 500, 300, 200, 400});
        REQUIRE(t);
        CHECK(*t == SegmentThresholds{30, 3, 300, 5});
    }
    SECTION("an even count: the worse of the two middle ones") {
        // R worse = more days: of 20 and 30, 30. F, M worse = fewer: 2, 200.
        const auto t = thresholds_of({10, 20, 30, 40}, {1, 2, 3, 4}, {100, 200, 300, 400});
        REQUIRE(t);
        CHECK(*t == SegmentThresholds{30, 2, 200, 4});
    }
    SECTION("ties: most members came once, so F high means came again") {
        const auto t = thresholds_of({5, 5, 5, 9, 9}, {1, 1, 1, 2, 7}, {0, 0, 0, 0, 900});
        REQUIRE(t);
        CHECK(*t == SegmentThresholds{5, 1, 0, 5});
        CHECK(segment_of({5, 1, 0}, *t) == ValueSegment::general_retain);  // all at the thresholds
        CHECK(segment_of({4, 2, 1}, *t) == ValueSegment::important_value);
    }
    SECTION("one member: she is her own middle, low on everything") {
        const auto t = thresholds_of({3}, {1}, {1200});
        REQUIRE(t);
        CHECK(segment_of({3, 1, 1200}, *t) == ValueSegment::general_retain);
    }
    SECTION("nobody scored: no thresholds") {
        CHECK_FALSE(thresholds_of({}, {}, {}));
    }
}

TEST_CASE("a member's numbers over the period of calendar months") {
    const Date today = d(2027, 3, 15);
    CHECK(month_number(d(1970, 1, 1)) == 0);
    CHECK(month_number(today) == (2027 - 1970) * 12 + 2);
    const int march = month_number(today);
    const MonthTotals totals{{march - 12, 4, 40000},  // March 2026: outside 12 months
                             {march - 11, 1, 1000},   // April 2026: the first month in
                             {march, 2, 30050}};
    SECTION("12 months: April 2026 to today") {
        const auto r = rfm_on(today, 12, day_number(d(2027, 3, 10)), totals);
        REQUIRE(r);
        CHECK(*r == Rfm{5, 3, 31050});
    }
    SECTION("13 months take March 2026 in") {
        const auto r = rfm_on(today, 13, day_number(d(2027, 3, 10)), totals);
        REQUIRE(r);
        CHECK(*r == Rfm{5, 7, 71050});
    }
    SECTION("one month: this month only") {
        const auto r = rfm_on(today, 1, day_number(d(2027, 3, 10)), totals);
        REQUIRE(r);
        CHECK(*r == Rfm{5, 2, 30050});
    }
    SECTION("no visit in the period: no numbers") {
        CHECK_FALSE(rfm_on(today, 12, day_number(d(2026, 3, 31)), {{march - 12, 4, 40000}}));
        CHECK_FALSE(rfm_on(today, 12, 0, {}));
    }
    SECTION("one visit, today, without an amount") {
        const auto r = rfm_on(today, 12, day_number(today), {{march, 1, 0}});
        REQUIRE(r);
        CHECK(*r == Rfm{0, 1, 0});
    }
}

TEST_CASE("month totals: stored form and from a visit history") {
    const MonthTotals t{{686, 3, 45800}, {687, 1, 0}};
    CHECK(format_month_totals(t) == "686:3:45800,687:1:0");
    CHECK(parse_month_totals("687:1:0,686:3:45800") == t);  // sorted
    CHECK(parse_month_totals("686:3:45800,junk,1:x:2,687:1:0") == t);
    CHECK(parse_month_totals("").empty());

    std::vector<VisitRecord> history{
        {SysSeconds{}, day_number(d(2027, 2, 28)), "t:1", 1000},
        {SysSeconds{}, day_number(d(2027, 3, 1)), "t:2", std::nullopt},
        {SysSeconds{}, day_number(d(2027, 3, 31)), "t:3", 250},
    };
    const MonthTotals expected{{month_number(d(2027, 2, 1)), 1, 1000},
                               {month_number(d(2027, 3, 1)), 2, 250}};
    CHECK(month_totals_of(history) == expected);
}

TEST_CASE("the stored segment, both ways") {
    const StoredSegment s{ValueSegment::important_keep, 20527, {12, 5, 48000}};
    CHECK(format_stored_segment(s) == "3,20527,12,5,48000");
    CHECK(parse_stored_segment("3,20527,12,5,48000") == s);
    CHECK_FALSE(parse_stored_segment("8,20527,12,5,48000"));
    CHECK_FALSE(parse_stored_segment("3,20527,12,5"));
    CHECK_FALSE(parse_stored_segment(""));
}

TEST_CASE("a generated store: thresholds and segments at the exact boundaries") {
    // 101 members: member i came i % 11 days ago, (i % 7) + 1 times,
    // spending (i % 13) × 10 yuan each time; R, F and M are known in closed
    // form, so every member's segment is too.
    const Date today = d(2027, 9, 20);
    std::vector<Generated> people;
    for (int i = 0; i < 101; ++i)
        people.push_back({i % 11, (i % 7) + 1, (i % 13) * 1000LL});
    std::vector<int> rs;
    std::vector<long long> fs, ms;
    std::vector<Rfm> numbers;
    for (const auto& p : people) {
        const auto r = rfm_on(today, 12, day_number(today) - p.days_ago,
                              {{month_number(today), p.visits, p.visits * p.cents_each}});
        REQUIRE(r);
        numbers.push_back(*r);
        rs.push_back(r->recency_days);
        fs.push_back(r->visits);
        ms.push_back(r->cents);
    }
    const auto t = thresholds_of(rs, fs, ms);
    REQUIRE(t);
    CHECK(t->members == 101);
    // Counted by hand-checkable rules: at most half of the members are
    // strictly better than the middle one, and the middle one itself is not.
    auto sorted_r = rs;
    std::sort(sorted_r.begin(), sorted_r.end(), std::greater<>());
    CHECK(t->recency_days == sorted_r[50]);
    auto sorted_f = fs;
    std::sort(sorted_f.begin(), sorted_f.end());
    CHECK(t->visits == sorted_f[50]);
    auto sorted_m = ms;
    std::sort(sorted_m.begin(), sorted_m.end());
    CHECK(t->cents == sorted_m[50]);

    std::array<int, 8> counts{};
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        const auto s = segment_of(numbers[i], *t);
        ++counts[static_cast<std::size_t>(s)];
        const bool r_high = numbers[i].recency_days < t->recency_days;
        const bool f_high = numbers[i].visits > t->visits;
        const bool m_high = numbers[i].cents > t->cents;
        CHECK(static_cast<int>(s) == (r_high ? 4 : 0) + (f_high ? 2 : 0) + (m_high ? 1 : 0));
    }
    int high_r = 0;
    for (const int r : rs)
        high_r += r < t->recency_days;
    CHECK(high_r <= 50);
    CHECK(counts[0] + counts[1] + counts[2] + counts[3] + counts[4] + counts[5] + counts[6] +
              counts[7] ==
          101);
}

TEST_CASE("a segment audience: her stored segment must be one of those listed") {
    Member m;
    const auto audience = std::vector<Audience>{Audience::of_segments(
        with(with(0, ValueSegment::important_value), ValueSegment::important_retain))};
    const Date day = d(2027, 9, 15);
    SECTION("no segment stored: not in it") {
        CHECK_FALSE(in_audience(m, audience, day));
    }
    SECTION("a listed one") {
        m.segment = "7,20700,1,9,90000";
        CHECK(in_audience(m, audience, day));
        m.segment = "1,20700,90,1,90000";
        CHECK(in_audience(m, audience, day));
    }
    SECTION("another one") {
        m.segment = "6,20700,1,9,0";
        CHECK_FALSE(in_audience(m, audience, day));
    }
    SECTION("with another condition: both must hold") {
        m.segment = "7,20700,1,9,90000";
        auto both = audience;
        both.push_back(Audience::women);
        CHECK_FALSE(in_audience(m, both, day));
        m.gender = Gender::female;
        CHECK(in_audience(m, both, day));
    }
    CHECK(to_string(audience.front()) == "segment:重要价值|重要挽留");
}

TEST_CASE("a festival's audience names segments in a table") {
    const auto festivals = parse_holidays(R"(
[festivals.vip_autumn]
name = "中秋节"
rule = "lunar:08-15"
audience = { segment = ["重要价值", "important_retain"] }

[festivals.vip_women]
name = "妇女节"
rule = "solar:03-08"
audience = ["women", { segment = "重要价值客户" }]
)",
                                          "test.toml");
    REQUIRE(festivals.size() == 2);
    const auto& autumn = festivals[0].key == "vip_autumn" ? festivals[0] : festivals[1];
    const auto& women = festivals[0].key == "vip_women" ? festivals[0] : festivals[1];
    CHECK(autumn.audience ==
          std::vector<Audience>{Audience::of_segments(
              with(with(0, ValueSegment::important_value), ValueSegment::important_retain))});
    CHECK(women.audience ==
          std::vector<Audience>{Audience::women,
                                Audience::of_segments(with(0, ValueSegment::important_value))});

    const auto refused = [](const std::string& audience) {
        try {
            parse_holidays("[festivals.x]\nname = \"x\"\nrule = \"solar:03-08\"\naudience = " +
                               audience + "\n",
                           "test.toml");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string{};
    };
    CHECK_THAT(refused(R"({ segment = ["重要"] })"),
               Catch::Contains("festivals.x.audience: segment: unknown segment \"重要\""));
    CHECK_THAT(refused(R"({ segment = [] })"), Catch::Contains("name at least one segment"));
    CHECK_THAT(refused(R"({ tier = ["金卡"] })"), Catch::Contains("unknown key \"tier\""));
    CHECK_THAT(refused(R"(["women", 3])"), Catch::Contains("expected audience names"));
}
