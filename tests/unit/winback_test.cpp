#include <catch2/catch.hpp>

#include "core/utf8.h"
#include "core/visit_cycle.h"
#include "core/winback.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    Config config = parse_config(R"(
[store_defaults.winback]
followup_days = [10, 20]
churn_days = 30
recheck_days = 7
[stores.ktv]
name = "欢唱KTV"
send_time = "14:00"
[stores.ktv.winback]
tier_cycle_days = { "金卡" = 10 }
)",
                                 "t.toml");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& ktv = *config.find_store("ktv");
    Date today = *parse_date("2027-09-15");
    int d = day_number(today);
    SysSeconds early = *parse_instant("2027-09-15T00:00:10+08:00");

    static Member member() {
        Member m;
        m.store = "ktv";
        m.id = "K001";
        m.name = "王芳";
        m.gender = Gender::female;
        m.phone = "+8613800138000";
        m.wechat_openid = "oKTV_0001";
        m.sms_optin = true;
        m.wechat_optin = true;
        m.wechat_subscribed = true;  // greetings on WeChat are subscription notices
        return m;
    }

    // A member who came on each of `days_ago` (days before today, oldest first).
    VisitState visits(std::vector<int> days_ago) const {
        VisitState v;
        for (const int ago : days_ago) {
            const Date day = date_of_day(d - ago);
            VisitRecord r;
            r.at = local_instant(day, 19h, ktv.zone);
            r.day = d - ago;
            r.key = "t:" + std::to_string(r.at.time_since_epoch().count());
            v.history.push_back(r);
        }
        v.last = v.history.back().at;
        v.last_date = date_of_day(v.history.back().day);
        return v;
    }

    // The step as planning takes it: plan_winback, then the delivery policy
    // for a message step (the member's day has only the win-back), settled.
    WinbackStep plan(const VisitState& v, const Member* m, SysSeconds now) const {
        auto step = plan_winback(v, m, today, ktv);
        if (!step.occasion) return step;
        const MemberDay in{*m, {*step.occasion}, {}, today, now};
        const auto verdicts = plan_member_day(in, ktv, templates);
        REQUIRE(verdicts.size() == 1);
        return settle_winback(std::move(step), verdicts.front(), today, ktv);
    }
    WinbackStep plan(const VisitState& v, const Member* m) const { return plan(v, m, early); }
};

}  // namespace

SCENARIO_METHOD(Fixture, "a KTV regular lapses, is reminded, followed up, then let go") {
    const Member m = member();
    GIVEN("a guest who came after 4, 15 and 20 days, last 22 days ago: not lapsed yet") {
        const auto v = visits({61, 57, 42, 22});  // cycle 15: lapsed after 22.5 days
        const auto step = plan(v, &m);
        THEN("the index entry is only moved to the lapse day") {
            CHECK(step.action == WinbackAction::reschedule);
            CHECK(step.state == WinbackState::active);
            CHECK(step.day == d + 1);
            CHECK_FALSE(step.job);
        }
    }
    GIVEN("the same guest, last seen 23 days ago") {
        auto v = visits({62, 58, 43, 23});
        const auto step = plan(v, &m);
        THEN("a reminder goes out at the send time, by WeChat, for that absence") {
            REQUIRE(step.action == WinbackAction::remind);
            REQUIRE(step.job);
            const Job& job = *step.job;
            CHECK(job.id == "winback:K001:2027-08-23:1");
            CHECK(job.kind == Kind::winback);
            CHECK(job.occasion_date == *parse_date("2027-08-23"));
            CHECK(job.channel == Channel::wechat);
            // Spread over the two hours after the send time (policy.spread_minutes).
            CHECK(job.due_at >= *parse_instant("2027-09-15T14:00:00+08:00"));
            CHECK(job.due_at < *parse_instant("2027-09-15T16:00:00+08:00"));
            CHECK(job.expires_at == *parse_instant("2027-09-16T00:00:00+08:00"));
            CHECK(job.text == "王女士，好久不见了！欢唱KTV一直记挂着您，有空欢迎光临。");
            CHECK(job.params.at("step") == "1");
            CHECK(step.state == WinbackState::reminded);
            CHECK(step.step == 1);
            CHECK(step.day == d + 10);  // the first follow-up
        }
        THEN("planning later in the day makes the same job, spread from then") {
            const auto late = plan(v, &m, *parse_instant("2027-09-15T16:00:00+08:00"));
            CHECK(late.job->id == step.job->id);
            CHECK(late.job->due_at >= *parse_instant("2027-09-15T16:00:00+08:00"));
            CHECK(late.job->due_at < *parse_instant("2027-09-15T18:00:00+08:00"));
        }
        WHEN("the first follow-up is due") {
            v.state = WinbackState::reminded;
            v.step = 1;
            v.next_day = d;
            const auto followup = plan(v, &m);
            THEN("it is the follow-up wording, and the next gap is longer") {
                REQUIRE(followup.job);
                CHECK(followup.job->id == "winback:K001:2027-08-23:2");
                CHECK(followup.job->text ==
                      "王女士，最近还好吗？欢唱KTV很想念您，随时欢迎回来看看。");
                CHECK(followup.step == 2);
                CHECK(followup.day == d + 20);
            }
        }
        WHEN("the last follow-up has gone") {
            v.state = WinbackState::reminded;
            v.step = 3;
            v.next_day = d + 30;
            THEN("nothing until churn_days have passed, then churned, then nothing ever") {
                CHECK(plan(v, &m).action == WinbackAction::reschedule);
                v.next_day = d;
                const auto churn = plan(v, &m);
                CHECK(churn.action == WinbackAction::churn);
                CHECK(churn.state == WinbackState::churned);
                CHECK_FALSE(churn.job);
                v.state = WinbackState::churned;
                CHECK(plan(v, &m).action == WinbackAction::wait);
            }
        }
        WHEN("a follow-up is due but not yet its day") {
            v.state = WinbackState::reminded;
            v.step = 1;
            v.next_day = d + 3;
            CHECK(plan(v, &m).action == WinbackAction::reschedule);
        }
    }
}

TEST_CASE_METHOD(Fixture, "a member who had another message lately waits for the cooldown") {
    Member m = member();
    const auto v = visits({62, 58, 43, 23});
    SECTION("a birthday greeting two days ago: the win-back waits, nothing moves") {
        m.contacts = std::to_string(d - 2) + "b";  // cooldown_days.winback = 3
        const auto step = plan(v, &m);
        CHECK(step.action == WinbackAction::wait);
        CHECK(step.reason == "cooldown");
        CHECK_FALSE(step.job);
    }
    SECTION("three days ago: it goes") {
        m.contacts = std::to_string(d - 3) + "b";
        CHECK(plan(v, &m).action == WinbackAction::remind);
    }
    SECTION("a message of today (a card notice): the day's cap holds it back") {
        m.contacts = std::to_string(d) + "e";
        const auto step = plan(v, &m);
        CHECK(step.action == WinbackAction::wait);
        CHECK(step.reason == "cooldown");
    }
}

TEST_CASE_METHOD(Fixture, "members who cannot be reached are parked, their follow-ups skipped") {
    Member m = member();
    m.sms_optin = m.wechat_optin = false;
    auto v = visits({62, 58, 43, 23});
    SECTION("the first reminder: parked and looked at again after recheck_days") {
        const auto step = plan(v, &m);
        CHECK(step.action == WinbackAction::park);
        CHECK(step.reason == "no_consent");
        CHECK(step.state == WinbackState::lapsed);
        CHECK(step.day == d + 7);
        SECTION("and not before") {
            v.state = WinbackState::lapsed;
            v.next_day = d + 7;
            CHECK(plan(v, &m).action == WinbackAction::reschedule);
        }
    }
    SECTION("a follow-up: skipped, the next one keeps its day") {
        v.state = WinbackState::reminded;
        v.step = 1;
        v.next_day = d;
        const auto step = plan(v, &m);
        CHECK(step.action == WinbackAction::skip);
        CHECK(step.step == 2);
        CHECK(step.day == d + 20);
    }
    SECTION("not in the member list") {
        const auto step = plan(v, nullptr);
        CHECK(step.action == WinbackAction::park);
        CHECK(step.reason == "no_member");
    }
}

TEST_CASE_METHOD(Fixture, "too few visits: the tier's default cycle") {
    Member m = member();
    m.tier = "金卡";  // 10 days: lapsed after 15
    CHECK(plan(visits({15}), &m).action == WinbackAction::reschedule);
    CHECK(plan(visits({15}), &m).day == d + 1);
    CHECK(plan(visits({16}), &m).action == WinbackAction::remind);
    m.tier.clear();  // the store's default, 30 days: lapsed after 45
    CHECK(plan(visits({16}), &m).day == d - 16 + 46);
}

TEST_CASE_METHOD(Fixture,
                 "a member gone longer than max_absence_days is let go without a message") {
    const Member m = member();
    const auto step = plan(visits({200, 190, 181}), &m);
    CHECK(step.action == WinbackAction::churn);
    CHECK(step.reason == "absent_too_long");
    CHECK_FALSE(step.job);
}

TEST_CASE_METHOD(Fixture, "a parked member whose visits say otherwise is active again") {
    const Member m = member();
    auto v = visits({40, 30, 20, 10});  // cycle 10: lapsed after 15 days
    v.state = WinbackState::lapsed;
    v.next_day = d;
    const auto step = plan(v, &m);
    CHECK(step.action == WinbackAction::reschedule);
    CHECK(step.state == WinbackState::active);
    CHECK(step.day == d + 6);
}

TEST_CASE_METHOD(Fixture,
                 "win-back messages are short: well under one SMS with signature and "
                 "opt-out text") {
    Member m = member();
    m.name = "欧阳娜娜";
    m.wechat_optin = false;
    auto v = visits({62, 58, 43, 23});
    const auto first = plan(v, &m);
    v.state = WinbackState::reminded;
    v.step = 1;
    v.next_day = d;
    const auto second = plan(v, &m);
    for (const auto* step : {&first, &second}) {
        REQUIRE(step->job);
        CHECK(step->job->channel == Channel::sms);
        CAPTURE(step->job->text);
        // 【欢唱KTV】 and 回T退订 are added by the sender: 7 + 5 more.
        CHECK(count_code_points(step->job->text) + 12 < 60);
    }
}
