#include <catch2/catch.hpp>

#include "core/planner.h"

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
)",
                                 "t.toml");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& toyland = *config.find_store("toyland");
    const StoreConfig& spa = *config.find_store("spa");
    Date day = *parse_date("2027-09-15");

    // The birthday occasion of `m` on `day` at toyland, decided at `now`.
    PlanDecision plan_birthday(const Member& m, const Date& d, SysSeconds now) const {
        const auto occasions = occasions_for(m, planning_day(config, toyland, d), toyland);
        REQUIRE(occasions.size() == 1);
        REQUIRE(occasions[0].kind == Kind::birthday);
        return decide(m, occasions[0], d, toyland, templates, now);
    }

    static Member member() {
        Member m;
        m.store = "toyland";
        m.id = "M001";
        m.name = "王芳";
        m.gender = Gender::female;
        m.birthday = parse_birthday("1990-09-15");
        m.phone = "+8613800138000";
        m.wechat_openid = "oTOY_0001";
        m.sms_optin = true;
        m.wechat_optin = true;
        m.wechat_subscribed = true;  // greetings on WeChat are subscription notices
        return m;
    }
};
}  // namespace

TEST_CASE_METHOD(Fixture, "channel choice follows the store's preference and consent") {
    Member m = member();
    CHECK(choose_channel(m, toyland).channel == Channel::wechat);
    CHECK(choose_channel(m, spa).channel == Channel::sms);
    m.wechat_subscribed = false;  // agreed, but greetings need the subscription
    CHECK(choose_channel(m, toyland).channel == Channel::sms);
    CHECK(choose_channel(m, toyland, /*marketing=*/false).channel == Channel::wechat);
    m.wechat_optin = false;
    CHECK(choose_channel(m, toyland).channel == Channel::sms);
    m.sms_optin = false;
    CHECK(choose_channel(m, toyland).reason == "no_consent");
    m.phone.clear();
    m.wechat_openid.clear();
    CHECK(choose_channel(m, toyland).reason == "no_channel");
    m = member();
    m.phone.clear();
    CHECK(choose_channel(m, spa).reason == "no_channel");  // WeChat is not a channel of this store
}

TEST_CASE_METHOD(Fixture, "a birthday job is due at the send time and expires at midnight") {
    const SysSeconds early = *parse_instant("2027-09-15T00:00:05+08:00");
    const auto d = plan_birthday(member(), day, early);
    REQUIRE(d.job);
    const Job& job = *d.job;
    CHECK(job.id == "birthday:M001:2027-09-15");
    CHECK(job.channel == Channel::wechat);
    CHECK(job.to == "oTOY_0001");
    CHECK_THAT(job.text, Catch::StartsWith("王女士，生日快乐"));
    // Spread over the two hours after the send time (policy.spread_minutes).
    CHECK(job.due_at >= *parse_instant("2027-09-15T10:00:00+08:00"));
    CHECK(job.due_at < *parse_instant("2027-09-15T12:00:00+08:00"));
    CHECK(job.expires_at == *parse_instant("2027-09-16T00:00:00+08:00"));
    CHECK(job.params.at("honorific") == "王女士");
    CHECK(job.params.at("age") == "37");
    CHECK(job.marketing);
    CHECK(job.occasion_date == day);

    SECTION("planned after the send time, it is spread from then") {
        const SysSeconds late = *parse_instant("2027-09-15T15:20:00+08:00");
        const auto due = plan_birthday(member(), day, late).job->due_at;
        CHECK(due >= late);
        CHECK(due < late + 2h);
    }
    SECTION("planning twice gives the same job id") {
        CHECK(plan_birthday(member(), day, early + 1h).job->id == job.id);
    }
}

TEST_CASE_METHOD(Fixture, "no job without consent, with the reason") {
    Member m = member();
    m.sms_optin = m.wechat_optin = false;
    const auto d = plan_birthday(m, day, *parse_instant("2027-09-15T08:00:00+08:00"));
    CHECK_FALSE(d.job);
    CHECK(d.reason == "no_consent");
}
