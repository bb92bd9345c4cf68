// Value segments on a real Redis (io/segment_store.h, core/value_segment.h):
// a simulated year of visits with the scheduler's nightly run on a fixed
// clock, every member's segment against a reckoning of the test's own (by
// visit dates, not by the months the store keeps); one visit moving a member
// between segments at once; a festival whose audience names segments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/value_segment.h"
#include "core/visit_cycle.h"
#include "io/member_store.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/segment_store.h"
#include "io/visit_store.h"
#include "scheduler/day_preview.h"
#include "scheduler/scheduler.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kYearConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
plan_batch = 7
[stores.shop]
name = "小店"
channels = ["sms"]
festivals = []
card_expiry_days = []
)";

Date d(int y, unsigned m, unsigned day) {
    return Date{date::year{y} / date::month{m} / date::day{day}};
}

std::vector<MemberRecord> members(const std::string& store, int n) {
    std::vector<MemberRecord> out;
    for (int i = 0; i < n; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "M%02d", i);
        MemberRecord r{store, id, {}, {}};
        r.set = {{"name", std::string("会员") + id},
                 {"phone", "+86138" + std::to_string(10000000 + i)},
                 {"sms_optin", "1"}};
        out.push_back(std::move(r));
    }
    return out;
}

// The visits member i makes on `day` (day number), of the year that starts
// on `first`: six kinds of members, cents or no amount.
std::vector<std::optional<long long>> visits_of(int i, int day, int first) {
    const int t = day - first;  // 0 .. ~395
    std::vector<std::optional<long long>> out;
    switch (i % 6) {
        case 0:  // weekly, 50 yuan and a bit: ~56 visits, beyond the 20 the history keeps
            if ((t + i) % 7 == 0) out.push_back(5000 + i * 10);
            break;
        case 1:  // monthly, 300 yuan; every other one with no amount recorded
            if ((t + i) % 30 == 0) {
                if ((i / 6) % 2 == 0)
                    out.push_back(std::nullopt);
                else
                    out.push_back(30000);
            }
            break;
        case 2:  // twice in the first two months of the period, big spenders
            if (t == 40 + i || t == 70 + i) out.push_back(200000);
            break;
        case 3:  // once, in the last fortnight, a little
            if (t == 380 + (i % 10)) out.push_back(2000);
            break;
        case 4:  // every ten days in the first half, twice on some days
            if (t > 30 && t < 200 && (t + i) % 10 == 0) {
                out.push_back(3000);
                if (t % 20 == 0) out.push_back(1000);
            }
            break;
        case 5:  // only in September 2026, before the period: no segment at the end
            if (t == i % 25) out.push_back(9900);
            break;
    }
    return out;
}

struct Seen {
    int day;
    long long cents;
};

// The test's own reckoning on `day`: the period from the 1st of the month
// eleven months back to `day`, by visit dates.
struct Expected {
    std::map<std::string, Rfm> numbers;  // scored members
    SegmentThresholds thresholds;
    std::map<std::string, ValueSegment> segments;
};

Expected reckon(const std::map<std::string, std::vector<Seen>>& visits, const Date& day) {
    const date::year_month ym{day.year(), day.month()};
    const auto first_month = ym - date::months{11};
    const int start = day_number(Date{first_month / date::day{1}});
    const int today = day_number(day);
    Expected e;
    std::vector<int> rs;
    std::vector<long long> fs, ms;
    for (const auto& [id, seen] : visits) {
        Rfm r;
        int last = -1;
        for (const auto& s : seen) {
            last = std::max(last, s.day);
            if (s.day >= start && s.day <= today) {
                ++r.visits;
                r.cents += s.cents;
            }
        }
        if (r.visits == 0) continue;
        r.recency_days = today - last;
        e.numbers[id] = r;
        rs.push_back(r.recency_days);
        fs.push_back(r.visits);
        ms.push_back(r.cents);
    }
    // Full sorts, the middle one from the worst end.
    std::sort(rs.begin(), rs.end(), std::greater<>());
    std::sort(fs.begin(), fs.end());
    std::sort(ms.begin(), ms.end());
    const std::size_t mid = (rs.size() - 1) / 2;
    e.thresholds = {rs[mid], fs[mid], ms[mid], rs.size()};
    for (const auto& [id, r] : e.numbers) {
        const int bits = (r.recency_days < e.thresholds.recency_days ? 4 : 0) +
                         (r.visits > e.thresholds.visits ? 2 : 0) +
                         (r.cents > e.thresholds.cents ? 1 : 0);
        e.segments[id] = static_cast<ValueSegment>(bits);
    }
    return e;
}

std::optional<StoredSegment> stored(RedisConnection& redis, const std::string& store,
                                    const std::string& id) {
    const auto r = redis.command({"HGET", keys::member(only_shard(store), id), "sg"});
    if (r.is_nil()) return std::nullopt;
    return parse_stored_segment(r.str);
}

Visit visit(const std::string& store, const std::string& member, SysSeconds at, const Date& day,
            std::optional<long long> cents, int n) {
    return Visit{store, member, at, day, "id:" + member + "-" + std::to_string(n), cents};
}

}  // namespace

TEST_CASE("a year of visits: the nightly segments match a reckoning by visit dates", "[segments]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    TempDir dir;
    write_file(dir.file("huitou.toml"), kYearConfig);
    const Config config = parse_config(kYearConfig, "segments.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& store = *config.find_store("shop");
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    constexpr int kMembers = 60;
    MemberStore(redis).upsert(members("shop", kMembers + 1));  // M60 never comes
    FixedClock clock(local_instant(d(2026, 9, 1), 5min, store.zone));
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    VisitStore visits(redis, config);

    // Each day: the scheduler's turn just after midnight (planning, then the
    // segments), the day's visits at 15:00.
    const int first = day_number(d(2026, 9, 1));
    const Date last_day = d(2027, 9, 29);
    std::map<std::string, std::vector<Seen>> seen;
    int n = 0;
    for (Date day = d(2026, 9, 1); day <= last_day;
         day = Date{date::sys_days{day} + date::days{1}}) {
        clock.set(local_instant(day, 5min, store.zone));
        scheduler.plan_due_days(clock.now());
        const SysSeconds at = local_instant(day, 15h, store.zone);
        std::vector<Visit> batch;
        for (int i = 0; i < kMembers; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "M%02d", i);
            for (const auto& cents : visits_of(i, day_number(day), first)) {
                batch.push_back(
                    visit("shop", id, at + std::chrono::seconds(n % 60), day, cents, n));
                seen[id].push_back({day_number(day), cents.value_or(0)});
                ++n;
            }
        }
        if (!batch.empty()) visits.record(batch, at);
    }
    // A member whose visits were recorded before the month totals existed:
    // the night reads her history.
    REQUIRE(redis.command({"HDEL", keys::visit_state(only_shard("shop"), "M01"), "mo"}).integer ==
            1);

    // The night of the last day.
    const Date today = d(2027, 9, 30);
    clock.set(local_instant(today, 5min, store.zone));
    scheduler.plan_due_days(clock.now());
    const auto expected = reckon(seen, today);
    const auto night = SegmentStore(redis, config).run("shop");
    CHECK(night.thresholds_day == day_number(today));
    CHECK(night.done_day == day_number(today));
    REQUIRE(night.thresholds);
    CHECK(*night.thresholds == expected.thresholds);
    CHECK(expected.thresholds.members == 50);  // the kind that came before the period only: none

    std::array<long long, value_segment_count> counts{};
    for (int i = 0; i <= kMembers; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "M%02d", i);
        CAPTURE(id);
        const auto s = stored(redis, "shop", id);
        const auto it = expected.segments.find(id);
        if (it == expected.segments.end()) {
            CHECK_FALSE(s);
            continue;
        }
        REQUIRE(s);
        CHECK(s->segment == it->second);
        CHECK(s->rfm == expected.numbers.at(id));
        CHECK(s->thresholds_day == day_number(today));
        ++counts[static_cast<std::size_t>(it->second)];
    }
    CHECK(night.counts == counts);
    CHECK(night.without == 10);  // M05, M11, ..., M59: visits, none in the period
    // The big spenders of long ago are 重要挽留; the table is exercised.
    CHECK(expected.segments.at("M02") == ValueSegment::important_retain);
    CHECK(std::count_if(counts.begin(), counts.end(), [](long long c) { return c > 0; }) >= 4);

    {  // huitou segments prints the counts and the thresholds; huitou member hers
        const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                           "HUITOU_NOW=2027-09-30T09:00:00+08:00",
                                           "HUITOU_LOG_LEVEL=warn"};
        auto r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "segments", "--store",
                      "shop", "--json"},
                     env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j.at("date") == "2027-09-30");
        CHECK(j.at("period_months") == 12);
        CHECK(j.at("thresholds").at("members") == 50);
        CHECK(j.at("thresholds").at("recency_days") == expected.thresholds.recency_days);
        CHECK(j.at("no_visit_in_period") == 10);
        for (const auto& s : j.at("segments")) {
            const auto seg = *parse_segment(s.at("key").get<std::string>());
            CHECK(s.at("members") == counts[static_cast<std::size_t>(seg)]);
        }
        auto text =
            run({bin("huitou"), "--config", dir.file("huitou.toml"), "segments", "--store", "shop"},
                env);
        REQUIRE(text.status == 0);
        CHECK_THAT(text.out, Catch::Contains("重要价值") &&
                                 Catch::Contains("visits of 2026-10 to 2027-09 (12 months)"));
        auto member =
            run({bin("huitou"), "--config", dir.file("huitou.toml"), "member", "shop", "M02"}, env);
        REQUIRE(member.status == 0);
        CHECK_THAT(member.out, Catch::Contains("segment      重要挽留 (R "));
    }
    {  // one visit moves a member between segments at once, the counts with her
        const auto before = *stored(redis, "shop", "M02");
        REQUIRE(before.segment == ValueSegment::important_retain);
        const SysSeconds at = local_instant(today, 11h, store.zone);
        const auto r = visits.record({visit("shop", "M02", at, today, 1000, n++)}, at);
        REQUIRE(r.front().outcome == VisitOutcome::latest);
        Rfm now = before.rfm;
        now.recency_days = 0;
        now.visits += 1;
        now.cents += 1000;
        const auto after = stored(redis, "shop", "M02");
        REQUIRE(after);
        CHECK(after->rfm == now);
        CHECK(after->segment == segment_of(now, expected.thresholds));
        CHECK(after->segment == ValueSegment::important_growth);  // recent now; still few visits
        CHECK(after->thresholds_day == day_number(today));
        const auto moved = SegmentStore(redis, config).run("shop");
        auto counts_after = counts;
        --counts_after[static_cast<std::size_t>(ValueSegment::important_retain)];
        ++counts_after[static_cast<std::size_t>(ValueSegment::important_growth)];
        CHECK(moved.counts == counts_after);

        // Recording the same visit again changes nothing.
        visits.record({visit("shop", "M02", at, today, 1000, n - 1)}, at);
        CHECK(SegmentStore(redis, config).run("shop").counts == counts_after);
    }
    {  // the member whose totals were read from her history has them again at her visit
        const SysSeconds at = local_instant(today, 12h, store.zone);
        visits.record({visit("shop", "M01", at, today, 30000, n++)}, at);
        const auto state = visits.state("shop", "M01");
        REQUIRE(state);
        MonthTotals kept;
        for (const auto& t : month_totals_of(state->history))
            if (t.month > month_number(today) - 12) kept.push_back(t);
        const auto mo = redis.command({"HGET", keys::visit_state(only_shard("shop"), "M01"), "mo"});
        CHECK(mo.str == format_month_totals(kept));
    }

    {  // the next night agrees with the visits
        seen["M02"].push_back({day_number(today), 1000});
        seen["M01"].push_back({day_number(today), 30000});
        const Date tomorrow = d(2027, 10, 1);
        clock.set(local_instant(tomorrow, 5min, store.zone));
        scheduler.plan_due_days(clock.now());
        const auto next = reckon(seen, tomorrow);
        CHECK(stored(redis, "shop", "M02")->segment == next.segments.at("M02"));
        CHECK(*SegmentStore(redis, config).run("shop").thresholds == next.thresholds);
        for (const auto& [id, segment] : next.segments) {
            CAPTURE(id);
            CHECK(stored(redis, "shop", id)->segment == segment);
        }
    }
}

namespace {

constexpr const char* kFestivalConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[calendar]
holidays_file = "holidays.toml"
[stores.shop]
name = "小店"
channels = ["sms"]
festivals = ["vip_autumn"]
card_expiry_days = []
[stores.shop.winback]
enabled = false
[stores.shop.effect]
holdout = { festival = 0 }
)";

constexpr const char* kHolidays = R"(
[festivals.vip_autumn]
name = "中秋节"
rule = "lunar:08-15"
audience = { segment = ["重要价值", "重要挽留"] }
)";

}  // namespace

TEST_CASE("a festival for some segments greets only their members — the preview says why not",
          "[segments]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const auto reader = [](const std::string& path) -> std::optional<std::string> {
        if (path == "holidays.toml") return std::string(kHolidays);
        return std::nullopt;
    };
    const Config config = parse_config(kFestivalConfig, "segments.toml", {}, reader);
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& store = *config.find_store("shop");
    RedisConnection redis = server.connect();
    MemberStore(redis).upsert(members("shop", 5));  // M00 … M04

    // On the eve of 中秋 (2027-09-15): thresholds R 100 days, F 1, M 40 yuan.
    const Date eve = d(2027, 9, 14);
    const int e = day_number(eve);
    auto at = [&](int days_before) {
        return local_instant(date_of_day(e - days_before), 15h, store.zone);
    };
    int n = 0;
    std::vector<Visit> batch;
    auto add = [&](const std::string& id, int days_before, long long cents) {
        batch.push_back(
            visit("shop", id, at(days_before), date_of_day(e - days_before), cents, n++));
    };
    add("M00", 5, 50000);  // recent, often, much: 重要价值
    add("M00", 20, 50000);
    add("M00", 40, 50000);
    add("M01", 200, 300000);  // long ago, once, much: 重要挽留
    add("M02", 1, 1000);      // yesterday, once, little: 一般发展
    add("M03", 100, 2000);    // exactly at R and M thresholds, twice: 一般保持
    add("M03", 110, 2000);
    // M04 never came: no segment.
    VisitStore(redis, config).record(batch, at(0));
    const auto r = SegmentStore(redis, config).recompute(store, eve);
    REQUIRE(r.ran);
    REQUIRE(r.thresholds);
    CHECK(*r.thresholds == SegmentThresholds{100, 1, 4000, 4});
    CHECK(stored(redis, "shop", "M00")->segment == ValueSegment::important_value);
    CHECK(stored(redis, "shop", "M01")->segment == ValueSegment::important_retain);
    CHECK(stored(redis, "shop", "M02")->segment == ValueSegment::general_growth);
    CHECK(stored(redis, "shop", "M03")->segment == ValueSegment::general_keep);
    CHECK_FALSE(stored(redis, "shop", "M04"));

    const Date day = d(2027, 9, 15);
    const SysSeconds now = local_instant(day, 30s, store.zone);
    const auto previews = preview_day(redis, config, templates, day, "shop", now);
    REQUIRE(previews.size() == 1);
    std::set<std::string> greeted;
    for (const auto& m : previews.front().messages)
        greeted.insert(m.member_id);
    CHECK(greeted == std::set<std::string>{"M00", "M01"});
    std::map<std::string, std::string> reasons;
    for (const auto& s : previews.front().skipped)
        reasons[s.member_id] = s.reason;
    CHECK(reasons == std::map<std::string, std::string>{{"M02", "not_in_audience"},
                                                        {"M03", "not_in_audience"},
                                                        {"M04", "not_in_audience"}});

    // Planning does what the preview says.
    zmq::context_t zmq;
    FixedClock clock(now);
    Scheduler scheduler(config, templates, redis, zmq, clock);
    CHECK(scheduler.plan_day(store, day).created == 2);
}
