// `huitou preview` and `huitou consent` on a real Redis: the day's messages
// and every candidate's reason, and proof that a preview changes nothing —
// every key's DUMP (and whether it has a TTL) is the same before and after,
// through the library call and through the program.
#include <catch2/catch.hpp>

#include <map>

#include <nlohmann/json.hpp>

#include "cli/policy_commands.h"
#include "io/consent_store.h"
#include "io/member_store.h"
#include "scheduler/consent_http.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[stores.toyland]
name = "童乐玩具"
send_time = "10:00"
festivals = ["mid_autumn"]
card_expiry_days = [7]
)";

MemberRecord member(const std::string& id, const std::string& birthday, bool sms, bool wechat) {
    MemberRecord r{"toyland", id, {}, {}};
    r.set = {{"name", "会员" + id},
             {"gender", "F"},
             {"phone", "+86138001380" + id.substr(1)},
             {"sms_optin", sms ? "1" : "0"},
             {"wechat_optin", wechat ? "1" : "0"}};
    if (!birthday.empty()) r.set["birthday"] = birthday;
    if (wechat) {
        r.set["openid"] = "oTOY_" + id;
        r.set.insert_or_assign("wechat_sub", std::string("1"));
    }
    return r;
}

}  // namespace

TEST_CASE("preview lists the day's messages and reasons, and changes nothing") {
    TestRedis server;
    TempDir dir;
    write_file(dir.file("huitou.toml"), kConfig);
    const Config config = parse_config(kConfig, "preview.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    auto redis = server.connect();
    auto card = member("M04", "", true, false);
    card.set.insert_or_assign("card_expires", std::string("2027-09-22"));
    MemberStore(redis).upsert({
        member("M01", "1990-09-15", true, true),    // birthday on 中秋: one greeting for both
        member("M02", "1990-09-15", false, false),  // no consent
        member("M03", "1985-03-01", true, false),   // SMS, but replied 退订
        card,                                       // 中秋 and a card notice: one a day
        member("M05", "1985-03-01", true, false),   // 中秋 only
    });
    ConsentStore consent(redis, config);
    ConsentEvent e;
    e.at = *parse_instant("2027-09-14T18:00:00+08:00");
    e.store = "toyland";
    e.channel = Channel::sms;
    e.source = ConsentSource::sms_reply;
    e.address = "+8613800138003";
    e.detail = "reply \"退订\"";
    consent.record(e);

    const Date day = *parse_date("2027-09-15");
    const SysSeconds now = *parse_instant("2027-09-15T00:00:30+08:00");
    auto reasons_of = [](const StorePreview& p) {
        std::map<std::string, std::string> out;  // member → reasons
        for (const auto& s : p.skipped)
            out[s.member_id] += (out[s.member_id].empty() ? "" : " ") + s.reason;
        return out;
    };

    SECTION("before planning: what planning would do, and nothing written") {
        const auto before = snapshot(redis);
        const auto previews = preview_day(redis, config, templates, day, "toyland", now);
        CHECK(snapshot(redis) == before);
        REQUIRE(previews.size() == 1);
        const auto& p = previews.front();
        std::map<std::string, const PreviewMessage*> messages;
        for (const auto& m : p.messages)
            messages[m.member_id] = &m;
        CHECK(messages.size() == 3);  // M01 (merged), M04 (festival), M05
        REQUIRE(messages.contains("M01"));
        CHECK(messages.at("M01")->kind == Kind::birthday);
        CHECK(messages.at("M01")->state == "new");
        CHECK(messages.at("M01")->merged == "festival:M01:2027-09-15:mid_autumn");
        CHECK_THAT(messages.at("M01")->text,
                   Catch::Contains("生日快乐") && Catch::Contains("中秋"));
        for (const auto& [id, m] : messages) {
            CHECK(m->at >= *parse_instant("2027-09-15T10:00:00+08:00"));
            CHECK(m->at < *parse_instant("2027-09-15T12:00:00+08:00"));
        }
        const auto reasons = reasons_of(p);
        CHECK(reasons.at("M01") == "merged");
        CHECK(reasons.at("M02") == "no_consent no_consent");
        CHECK(reasons.at("M03") == "opted_out");
        CHECK(reasons.at("M04") == "capped");
    }

    SECTION("after planning: the jobs as they are, still nothing written") {
        zmq::context_t zmq;
        FixedClock clock(now);
        Scheduler scheduler(config, templates, redis, zmq, clock);
        CHECK(scheduler.plan_day(*config.find_store("toyland"), day).created == 3);
        const auto before = snapshot(redis);
        const auto previews = preview_day(redis, config, templates, day, "", now + 1h);
        CHECK(snapshot(redis) == before);
        for (const auto& m : previews.front().messages)
            CHECK(m.state == "planned");

        // The program, as a person runs it: JSON out, and Redis untouched.
        const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                           "HUITOU_NOW=2027-09-15T08:00:00+08:00",
                                           "HUITOU_LOG_LEVEL=warn"};
        auto r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "preview", "--date",
                      "2027-09-15", "--json"},
                     env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(snapshot(redis) == before);
        const auto json = nlohmann::json::parse(r.out);
        const auto& store = json.at("stores").at(0);
        CHECK(store.at("store") == "toyland");
        CHECK(store.at("messages").size() == 3);
        std::map<std::string, std::size_t> reasons;
        for (const auto& s : store.at("skipped"))
            ++reasons[s.at("reason").get<std::string>()];
        CHECK(reasons == std::map<std::string, std::size_t>{
                             {"capped", 1}, {"merged", 1}, {"no_consent", 2}, {"opted_out", 1}});

        // The table, for people.
        r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "preview", "--date",
                 "2027-09-15", "--store", "toyland"},
                env);
        CHECK(r.status == 0);
        CHECK_THAT(r.out, Catch::Contains("messages (3)") && Catch::Contains("opted_out") &&
                              Catch::Contains("summary: 3 messages"));
        CHECK(snapshot(redis) == before);

        // The consent command shows the evidence.
        r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "consent", "M03", "--store",
                 "toyland"},
                env);
        CHECK(r.status == 0);
        CHECK_THAT(r.out, Catch::Contains("opted out of sms") && Catch::Contains("sms_reply") &&
                              Catch::Contains("退订"));
    }
}

TEST_CASE("huitou consent records an opt-out at the counter and cancels today's jobs") {
    TestRedis server;
    TempDir dir;
    write_file(dir.file("huitou.toml"), kConfig);
    const Config config = parse_config(kConfig, "preview.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    auto redis = server.connect();
    MemberStore(redis).upsert({member("M01", "1990-09-15", true, false)});
    zmq::context_t zmq;
    FixedClock clock(*parse_instant("2027-09-15T00:00:30+08:00"));
    Scheduler scheduler(config, templates, redis, zmq, clock);
    REQUIRE(scheduler.plan_day(*config.find_store("toyland"), *parse_date("2027-09-15")).created ==
            1);
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T08:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn"};
    auto r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "consent", "M01", "--store",
                  "toyland", "--channel", "sms", "--opt-out", "--note", "said so at the till"},
                 env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("1 jobs of today cancelled"));
    JobStore jobs(redis, config.scheduler);
    CHECK(jobs.get("toyland", "birthday:M01:2027-09-15", config.stores.at("toyland").zone)->state ==
          JobState::cancelled);
    // An import saying yes again does not lift the member's own refusal.
    MemberStore(redis).upsert({member("M01", "1990-09-15", true, false)});
    ConsentStore consent(redis, config);
    CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138001"));
    // An opt-in at the counter does.
    r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "consent", "M01", "--store",
             "toyland", "--channel", "sms", "--opt-in"},
            env);
    CHECK(r.status == 0);
    CHECK_FALSE(consent.is_opted_out("toyland", Channel::sms, "+8613800138001"));
    CHECK(consent.events_about(*MemberStore(redis).get("toyland", "M01")).size() == 2);
}

TEST_CASE("a WeChat unsubscribe over POST /api/consent cancels the member's WeChat job at once") {
    TestRedis server;
    const Config config = parse_config(kConfig, "preview.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    auto redis = server.connect();
    MemberStore(redis).upsert({member("M01", "1990-09-15", true, true)});
    zmq::context_t zmq;
    FixedClock clock(*parse_instant("2027-09-15T00:00:30+08:00"));
    Scheduler scheduler(config, templates, redis, zmq, clock);
    REQUIRE(scheduler.plan_day(*config.find_store("toyland"), *parse_date("2027-09-15")).created ==
            1);
    JobStore jobs(redis, config.scheduler);
    const std::string id = "birthday:M01:2027-09-15";
    REQUIRE(jobs.get("toyland", id)->channel == Channel::wechat);

    clock.set(*parse_instant("2027-09-15T09:00:00+08:00"));
    ConsentHttpHandler handler(config, server.endpoint(), clock, /*opt_in_allowed=*/true);
    CHECK(handler("{not json").status == 400);
    CHECK(handler(R"({"store":"toyland","channel":"wechat","event":"opt_in","source":"import",)"
                  R"("address":"oTOY_M01"})")
              .status == 400);
    const auto reply =
        handler(R"({"store":"toyland","channel":"wechat","event":"opt_out",)"
                R"("source":"wechat_event","address":"oTOY_M01","detail":"unsubscribe"})");
    CHECK(reply.status == 200);
    CHECK(nlohmann::json::parse(reply.body).at("cancelled_jobs") == 1);
    const auto job = jobs.get("toyland", id);
    CHECK(job->state == JobState::cancelled);
    CHECK(job->error == "opted_out");
    ConsentStore consent(redis, config);
    CHECK(consent.is_opted_out("toyland", Channel::wechat, "oTOY_M01"));
    CHECK_FALSE(consent.is_opted_out("toyland", Channel::sms, "+8613800138001"));
    const auto ledger = consent.ledger("toyland");
    REQUIRE_FALSE(ledger.empty());
    CHECK(ledger.back().source == ConsentSource::wechat_event);
    CHECK(ledger.back().detail == "unsubscribe");
    // Following again: a subscribe event lifts the refusal.
    CHECK(handler(R"({"store":"toyland","channel":"wechat","event":"opt_in",)"
                  R"("source":"wechat_event","member_id":"M01","detail":"subscribe"})")
              .status == 200);
    CHECK_FALSE(consent.is_opted_out("toyland", Channel::wechat, "oTOY_M01"));
}
