// The delivery policy of one member's day: priority, merging, caps and
// cooldowns, consent and channel, windows and spreading, expiry.
#include <catch2/catch.hpp>

#include "core/contact_history.h"
#include "core/delivery_policy.h"
#include "core/visit_cycle.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    Config config = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
send_time = "10:00"
[stores.spa]
name = "玉足坊"
channels = ["sms"]
[stores.spa.policy]
max_per_day = 2
send_windows = ["10:00-12:00", "14:00-21:00"]
)",
                                 "t.toml");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& toyland = *config.find_store("toyland");
    const StoreConfig& spa = *config.find_store("spa");
    Date day = *parse_date("2027-09-15");
    SysSeconds midnight = *parse_instant("2027-09-15T00:00:05+08:00");

    static Member member(const std::string& store = "toyland") {
        Member m;
        m.store = store;
        m.id = "M001";
        m.name = "王芳";
        m.gender = Gender::female;
        m.phone = "+8613800138000";
        m.wechat_openid = "oTOY_0001";
        m.sms_optin = true;
        m.wechat_optin = true;
        m.wechat_subscribed = true;
        return m;
    }

    Occasion occasion(Kind kind) const {
        Occasion o;
        o.kind = kind;
        o.date = day;
        o.priority = occasion_priority(kind);
        o.template_name = std::string(to_string(kind));
        switch (kind) {
            case Kind::festival:
                o.detail = "mid_autumn";
                o.values["festival"] = "中秋节";
                break;
            case Kind::card_expiry:
                o.detail = "7";
                o.marketing = false;
                o.values["card_expires"] = "2027年9月22日";
                break;
            case Kind::child_birthday:
                o.detail = "c1";
                o.values["child_name"] = "小明";
                o.values["child_age"] = "5";
                break;
            case Kind::winback:
                o.detail = "1";
                break;
            case Kind::welcome:
                o.detail = "sms";
                break;
            case Kind::announcement:
                o.detail = "a20270915-1";
                o.values["tags"] = "历史小说";
                break;
            case Kind::points:
                o.detail = "7";
                o.marketing = false;
                o.values["points"] = "1200";
                o.values["points_expire"] = "2027年9月22日";
                break;
            case Kind::birthday:
                o.values["age"] = "37";
                break;
        }
        return o;
    }

    std::vector<Verdict> plan(const Member& m, std::vector<Kind> kinds,
                              const StoreConfig* store = nullptr, Suppression refused = {},
                              std::optional<SysSeconds> now = {}) const {
        std::vector<Occasion> os;
        for (const Kind k : kinds)
            os.push_back(occasion(k));
        return plan_member_day({m, std::move(os), refused, day, now.value_or(midnight)},
                               store ? *store : toyland, templates);
    }

    static const Verdict& of(const std::vector<Verdict>& vs, Kind k) {
        for (const auto& v : vs) {
            if (v.kind == k) return v;
        }
        FAIL("no verdict for " << to_string(k));
        return vs.front();
    }

    static std::size_t jobs(const std::vector<Verdict>& vs) {
        std::size_t n = 0;
        for (const auto& v : vs)
            n += v.job ? 1 : 0;
        return n;
    }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "one occasion: a job, spread in the window, expiring at midnight",
                 "[delivery_policy]") {
    const auto vs = plan(member(), {Kind::birthday});
    REQUIRE(vs.size() == 1);
    REQUIRE(vs[0].job);
    const Job& job = *vs[0].job;
    CHECK(job.id == "birthday:M001:2027-09-15");
    CHECK(job.channel == Channel::wechat);
    CHECK(job.due_at >= *parse_instant("2027-09-15T10:00:00+08:00"));
    CHECK(job.due_at < *parse_instant("2027-09-15T12:00:00+08:00"));
    CHECK(job.expires_at == *parse_instant("2027-09-16T00:00:00+08:00"));
}

TEST_CASE_METHOD(Fixture, "priority: birthday > festival > card expiry > win-back",
                 "[delivery_policy]") {
    const Member m = member();
    SECTION("birthday and festival merge into one greeting naming both") {
        const auto vs = plan(m, {Kind::festival, Kind::birthday});
        REQUIRE(vs.size() == 2);
        CHECK(vs[0].kind == Kind::birthday);  // in priority order
        REQUIRE(of(vs, Kind::birthday).job);
        const auto& job = *of(vs, Kind::birthday).job;
        CHECK(job.params.at("template") == "birthday+festival");
        CHECK_THAT(job.text, Catch::Contains("生日快乐") && Catch::Contains("中秋节"));
        CHECK(of(vs, Kind::festival).reason == "merged");
        CHECK(of(vs, Kind::festival).detail == "into birthday:M001:2027-09-15");
        CHECK(jobs(vs) == 1);
    }
    SECTION("festival and card expiry: no template for both, the notice is capped") {
        const auto vs = plan(m, {Kind::card_expiry, Kind::festival});
        CHECK(of(vs, Kind::festival).job);
        CHECK(of(vs, Kind::card_expiry).reason == "capped");
        CHECK_THAT(of(vs, Kind::card_expiry).detail, Catch::Contains("1 a day"));
        CHECK(jobs(vs) == 1);
    }
    SECTION("all four: one message, the rest merged or capped with a reason") {
        const auto vs = plan(m, {Kind::winback, Kind::card_expiry, Kind::festival, Kind::birthday});
        REQUIRE(vs.size() == 4);
        CHECK(jobs(vs) == 1);
        CHECK(of(vs, Kind::birthday).job);
        CHECK(of(vs, Kind::festival).reason == "merged");
        CHECK(of(vs, Kind::card_expiry).reason == "capped");
        // Both hold for the win-back; the cooldown is the better explanation.
        CHECK(of(vs, Kind::winback).reason == "cooldown");
    }
    SECTION("birthday and the child's birthday: one greeting for both") {
        const auto vs = plan(m, {Kind::child_birthday, Kind::birthday});
        REQUIRE(of(vs, Kind::birthday).job);
        CHECK_THAT(of(vs, Kind::birthday).job->text, Catch::Contains("小明"));
        CHECK(of(vs, Kind::child_birthday).reason == "merged");
    }
    SECTION("a store allowing two a day sends the second separately") {
        const auto vs = plan(member("spa"), {Kind::card_expiry, Kind::festival}, &spa);
        CHECK(jobs(vs) == 2);
    }
}

TEST_CASE_METHOD(Fixture, "points: next to card expiry, merged with it into one notice",
                 "[delivery_policy]") {
    const Member m = member();
    SECTION("card and points on one day: one message naming both") {
        const auto vs = plan(m, {Kind::points, Kind::card_expiry});
        REQUIRE(vs.size() == 2);
        CHECK(vs[0].kind == Kind::card_expiry);  // in priority order
        CHECK(vs[1].kind == Kind::points);
        REQUIRE(of(vs, Kind::card_expiry).job);
        const auto& job = *of(vs, Kind::card_expiry).job;
        CHECK(job.params.at("template") == "card_expiry+points");
        CHECK(job.params.at("merged") == "points:M001:2027-09-15:7");
        CHECK_FALSE(job.marketing);
        CHECK(job.text ==
              "王女士，您在童乐玩具的会员卡2027年9月22日到期，1200积分2027年9月22日到期，"
              "欢迎到店办理。");
        CHECK(of(vs, Kind::points).reason == "merged");
        CHECK(of(vs, Kind::points).detail == "into card_expiry:M001:2027-09-15:7");
        CHECK(jobs(vs) == 1);
    }
    SECTION("points alone: a service notice of its own") {
        const auto vs = plan(m, {Kind::points});
        REQUIRE(of(vs, Kind::points).job);
        CHECK_FALSE(of(vs, Kind::points).job->marketing);
        CHECK(of(vs, Kind::points).job->text ==
              "王女士，您有1200积分将于2027年9月22日到期，欢迎到童乐玩具使用。");
    }
    SECTION("ranks below card expiry, above the win-back") {
        CHECK(occasion_priority(Kind::card_expiry) < occasion_priority(Kind::points));
        CHECK(occasion_priority(Kind::points) < occasion_priority(Kind::winback));
    }
    SECTION("behind the day's greeting the two notices still go as one") {
        // Two a day at the spa: the birthday, then the card with the points in it.
        const auto vs =
            plan(member("spa"), {Kind::points, Kind::birthday, Kind::card_expiry}, &spa);
        CHECK(jobs(vs) == 2);
        CHECK(of(vs, Kind::birthday).job);
        REQUIRE(of(vs, Kind::card_expiry).job);
        CHECK(of(vs, Kind::card_expiry).job->params.at("template") == "card_expiry+points");
        CHECK(of(vs, Kind::points).reason == "merged");
    }
    SECTION("one a day: the greeting goes, both notices are capped") {
        const auto vs = plan(m, {Kind::points, Kind::birthday, Kind::card_expiry});
        CHECK(jobs(vs) == 1);
        CHECK(of(vs, Kind::birthday).job);
        CHECK(of(vs, Kind::card_expiry).reason == "capped");
        CHECK(of(vs, Kind::points).reason == "capped");
    }
}

TEST_CASE_METHOD(Fixture, "caps and cooldowns read the member's history", "[delivery_policy]") {
    Member m = member();
    const int today = day_number(day);
    SECTION("a message already today: capped") {
        m.contacts = std::to_string(today) + "e";
        CHECK(of(plan(m, {Kind::festival}), Kind::festival).reason == "capped");
    }
    SECTION("the win-back waits 3 days after any other message") {
        m.contacts = std::to_string(today - 2) + "f";
        CHECK(of(plan(m, {Kind::winback}), Kind::winback).reason == "cooldown");
        m.contacts = std::to_string(today - 3) + "f";
        CHECK(of(plan(m, {Kind::winback}), Kind::winback).job);
    }
    SECTION("planning again after the birthday went: it keeps its slot, nothing more") {
        m.contacts = std::to_string(today) + "b";
        const auto vs = plan(m, {Kind::birthday, Kind::winback});
        CHECK(of(vs, Kind::birthday).already_sent);
        CHECK(of(vs, Kind::birthday).job);  // the same id: creating it again is a no-op
        CHECK(of(vs, Kind::winback).reason == "cooldown");
    }
}

TEST_CASE_METHOD(Fixture, "consent and channel, with the reasons", "[delivery_policy]") {
    Member m = member();
    SECTION("WeChat first when the member follows, agreed and subscribed; else SMS") {
        CHECK(of(plan(m, {Kind::birthday}), Kind::birthday).job->channel == Channel::wechat);
        m.wechat_subscribed = false;
        CHECK(of(plan(m, {Kind::birthday}), Kind::birthday).job->channel == Channel::sms);
        // A service notice may go as a WeChat template message.
        CHECK(of(plan(m, {Kind::card_expiry}), Kind::card_expiry).job->channel == Channel::wechat);
    }
    SECTION("no consent: no greeting; a service notice still goes") {
        m.sms_optin = m.wechat_optin = false;
        const auto vs = plan(m, {Kind::birthday, Kind::card_expiry});
        CHECK(of(vs, Kind::birthday).reason == "no_consent");
        CHECK(of(vs, Kind::card_expiry).job);
    }
    SECTION("opted out on both: nothing at all, even the notice") {
        const auto vs = plan(m, {Kind::birthday, Kind::card_expiry}, nullptr, {true, true});
        CHECK(of(vs, Kind::birthday).reason == "opted_out");
        CHECK(of(vs, Kind::card_expiry).reason == "opted_out");
    }
    SECTION("opted out of WeChat only: SMS") {
        const auto vs = plan(m, {Kind::birthday}, nullptr, {false, true});
        CHECK(of(vs, Kind::birthday).job->channel == Channel::sms);
    }
    SECTION("no address anywhere: no_channel") {
        m.phone.clear();
        m.wechat_openid.clear();
        CHECK(of(plan(m, {Kind::birthday}), Kind::birthday).reason == "no_channel");
    }
}

TEST_CASE_METHOD(Fixture, "windows: planned late in the day", "[delivery_policy]") {
    const Member m = member();
    SECTION("over lunch: due when the afternoon opens, or later") {
        const auto vs =
            plan(m, {Kind::birthday}, nullptr, {}, *parse_instant("2027-09-15T12:10:00+08:00"));
        REQUIRE(of(vs, Kind::birthday).job);
        CHECK(of(vs, Kind::birthday).job->due_at >= *parse_instant("2027-09-15T13:30:00+08:00"));
    }
    SECTION("after the last window: quiet_hours, never tomorrow") {
        const auto vs =
            plan(m, {Kind::birthday}, nullptr, {}, *parse_instant("2027-09-15T21:00:00+08:00"));
        CHECK(of(vs, Kind::birthday).reason == "quiet_hours");
    }
}

TEST_CASE_METHOD(Fixture, "dispatch: the window decides when a job may leave",
                 "[delivery_policy]") {
    const SysSeconds expires = *parse_instant("2027-09-16T00:00:00+08:00");
    const auto in_lunch =
        check_window(toyland, Channel::sms, *parse_instant("2027-09-15T12:30:00+08:00"), expires);
    CHECK_FALSE(in_lunch.open);
    CHECK(in_lunch.next == *parse_instant("2027-09-15T13:30:00+08:00"));
    const auto open =
        check_window(toyland, Channel::sms, *parse_instant("2027-09-15T15:00:00+08:00"), expires);
    CHECK(open.open);
    const auto night =
        check_window(toyland, Channel::sms, *parse_instant("2027-09-15T21:00:00+08:00"), expires);
    CHECK_FALSE(night.open);
    CHECK_FALSE(night.next);  // a greeting is expired, not sent tomorrow
    const auto rules = dispatch_rules(toyland, *parse_instant("2027-09-15T15:00:00+08:00"));
    CHECK(rules.today == day_number(day));
    CHECK(rules.sms.size() == 2);
    // The day a record's times count from, and where its jobs expire.
    CHECK(rules.day == day);
    CHECK(rules.day_start == *parse_instant("2027-09-15T00:00:00+08:00"));
    CHECK(rules.day_end == *parse_instant("2027-09-16T00:00:00+08:00"));
}

TEST_CASE("dispatch rules: a day of 23 hours where the clocks go forward", "[delivery_policy]") {
    const Config config = parse_config(R"(
[stores.nyc]
name = "Toys"
timezone = "America/New_York"
)",
                                       "t.toml");
    const auto rules =
        dispatch_rules(*config.find_store("nyc"), *parse_instant("2027-03-14T12:00:00-04:00"));
    CHECK(rules.day == *parse_date("2027-03-14"));
    CHECK(rules.day_start == *parse_instant("2027-03-14T00:00:00-05:00"));
    CHECK(rules.day_end == *parse_instant("2027-03-15T00:00:00-04:00"));
    CHECK(rules.day_end - rules.day_start == 23h);
}

TEST_CASE_METHOD(Fixture, "a spread key given spreads by it — none spreads by member and occasion",
                 "[delivery_policy]") {
    // Two members' festival greetings: by member they go at two times (the
    // hash layout); under one sheet's key, at the one time that key gives.
    Member a = member();
    Member b = member();
    b.id = "M777";
    auto due = [&](const Member& m, std::string key) {
        const auto vs = plan_member_day(
            {m, {occasion(Kind::festival)}, {}, day, midnight, std::move(key)}, toyland, templates);
        REQUIRE(vs.size() == 1);
        REQUIRE(vs[0].job);
        return vs[0].job->due_at;
    };
    const auto start = *parse_instant("2027-09-15T10:00:00+08:00");
    const auto open = store_open_intervals(toyland, Channel::wechat, day);
    CHECK(due(a, {}) == *spread_due(open, start, toyland.policy.spread,
                                    "M001|festival:M001:2027-09-15:mid_autumn"));
    CHECK(due(a, {}) != due(b, {}));
    CHECK(due(a, "2027-09-15|3") == due(b, "2027-09-15|3"));
    CHECK(due(a, "2027-09-15|3") ==
          *spread_due(open, start, toyland.policy.spread, "2027-09-15|3"));
    CHECK(due(a, "2027-09-15|3") != due(a, "2027-09-15|4"));
}
