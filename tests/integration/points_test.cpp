// Points reminders on a store on day sheets (the default layout), on a real
// Redis and real sockets, with a fixed clock moved day by day: the
// scheduler plans each day into records, claims them and writes the words
// at dispatch from the member (core/job_render.h); the test plays the
// workers with PULL sockets and answers with results. A member with points
// gets the reminder with her points and their date on each step's day; a
// card expiring the same day carries her points in one message; 0 points
// get nothing; a member imported late gets one catch-up; WeChat sends it
// as a service notice to a member who never subscribed.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "core/wire.h"
#include "io/member_store.h"
#include "io/sheet_store.h"
#include "io/zmq_frames.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
[store_defaults.policy]
spread_minutes = 0
[stores.toyland]
name = "童乐玩具"
channels = ["wechat", "sms"]
festivals = []
card_expiry_days = [7, 1]
points_reminder_days = [7, 1]
[stores.toyland.winback]
enabled = false
)";

MemberRecord member(const std::string& id, FieldMap fields) {
    fields.emplace("sms_optin", "1");
    return MemberRecord{"toyland", id, std::move(fields), {}};
}

struct Sent {
    JobMessage job;
    Date day;  // the local day it went
};

}  // namespace

TEST_CASE("points reminders planned into day sheets go with her points and date",
          "[points][sheet_days]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(kConfig, "points.toml");
    REQUIRE(config.scheduler.job_storage == JobStorage::sheets);  // the default
    const StoreConfig& store = *config.find_store("toyland");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    FixedClock clock{*parse_instant("2027-09-10T00:00:10+08:00")};
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    JobStore jobs(redis, config.scheduler);

    MemberStore members(redis);
    members.upsert({
        member("P1", {{"name", "王芳"},
                      {"gender", "F"},
                      {"phone", "+8613800000001"},
                      {"points", "1200"},
                      {"points_expire", "2027-09-22"}}),
        // The card and the points lapse on one day: one notice for both.
        member("P2", {{"name", "李娜"},
                      {"gender", "F"},
                      {"phone", "+8613800000002"},
                      {"card_expires", "2027-09-22"},
                      {"points", "300"},
                      {"points_expire", "2027-09-22"}}),
        // A date without points: nothing to remind her of.
        member("P3", {{"name", "张伟"},
                      {"gender", "M"},
                      {"phone", "+8613800000003"},
                      {"points_expire", "2027-09-22"}}),
        // WeChat only, no marketing opt-in, not subscribed: a service notice still goes.
        member("P5", {{"name", "陈静"},
                      {"gender", "F"},
                      {"openid", "oTOY_points5"},
                      {"points", "88"},
                      {"points_expire", "2027-09-17"}}),
    });

    zmq::socket_t sms(zmq, zmq::socket_type::pull), wechat(zmq, zmq::socket_type::pull);
    zmq::socket_t results(zmq, zmq::socket_type::push);
    for (auto* s : {&sms, &wechat, &results})
        s->set(zmq::sockopt::linger, 0);
    sms.connect(scheduler.job_endpoint(Channel::sms));
    wechat.connect(scheduler.job_endpoint(Channel::wechat));
    results.connect(scheduler.results_endpoint());

    std::vector<Sent> sent;
    // Each job pushed now is taken and answered sent, as a worker would.
    auto take = [&](zmq::socket_t& pull, const Date& day) {
        while (auto frames = receive_frames(pull)) {
            auto decoded = decode_job(frame_views(*frames));
            REQUIRE(decoded.message);
            ResultMessage r;
            r.store = decoded.message->store;
            r.job_id = decoded.message->job_id;
            r.outcome = Outcome::sent;
            r.provider = "test";
            r.provider_ref = "ref-" + r.job_id;
            r.at = clock.now();
            r.worker = "test-worker";
            REQUIRE(send_frames(results, encode(r)));
            sent.push_back({std::move(*decoded.message), day});
        }
    };

    for (Date day = *parse_date("2027-09-10"); day <= *parse_date("2027-09-25");
         day = Date{date::sys_days{day} + date::days{1}}) {
        INFO(format_date(day));
        if (day == *parse_date("2027-09-19")) {
            // Imported three days before her points lapse: past the 7-day step.
            members.upsert({member("P4", {{"name", "刘洋"},
                                          {"gender", "M"},
                                          {"phone", "+8613800000004"},
                                          {"points", "50"},
                                          {"points_expire", "2027-09-22"}})});
        }
        clock.set(local_instant(day, 10s, store.zone));
        scheduler.plan_due_days(clock.now());
        clock.set(local_instant(day, 10h, store.zone));
        REQUIRE(eventually([&] {
            const auto deferred = scheduler.stats().deferred;
            scheduler.dispatch_due(clock.now());
            // A push before the PULL's connection is up comes back due a second later.
            if (scheduler.stats().deferred != deferred) clock.advance(1s);
            zmq::pollitem_t items[] = {{sms.handle(), 0, ZMQ_POLLIN, 0},
                                       {wechat.handle(), 0, ZMQ_POLLIN, 0}};
            zmq::poll(items, 2, 20ms);
            take(sms, day);
            take(wechat, day);
            scheduler.handle_results(20ms);
            const auto c = jobs.counts("toyland");
            return jobs.count_due("toyland", clock.now()) == 0 &&
                   (!c.contains("dispatched") || c.at("dispatched") == 0);
        }));
    }
    CHECK(SheetStore(redis).layout("toyland") == sheet_layout);

    std::map<std::string, std::vector<Sent>> by_id;
    for (const auto& s : sent)
        by_id[s.job.job_id].push_back(s);
    auto once = [&](const std::string& id) -> const Sent& {
        INFO(id);
        REQUIRE(by_id.count(id) == 1);
        REQUIRE(by_id.at(id).size() == 1);
        return by_id.at(id).front();
    };

    {  // her points and their date, on each step's day, once
        const auto& seven = once("points:P1:2027-09-22:7");
        CHECK(seven.day == *parse_date("2027-09-15"));
        CHECK(seven.job.channel == Channel::sms);
        CHECK(seven.job.kind == Kind::points);
        CHECK(seven.job.text == "王女士，您有1200积分将于2027年9月22日到期，欢迎到童乐玩具使用。");
        CHECK(once("points:P1:2027-09-22:1").day == *parse_date("2027-09-21"));
    }
    {  // with the card's reminder: one message naming both
        const auto& card = once("card_expiry:P2:2027-09-22:7");
        CHECK(card.day == *parse_date("2027-09-15"));
        CHECK(card.job.text ==
              "李女士，您在童乐玩具的会员卡2027年9月22日到期，300积分2027年9月22日"
              "到期，欢迎到店办理。");
        CHECK(card.job.params.at("merged") == "points:P2:2027-09-22:7");
        CHECK(once("card_expiry:P2:2027-09-22:1").job.params.at("template") ==
              "card_expiry+points");
        CHECK_FALSE(by_id.contains("points:P2:2027-09-22:7"));
        CHECK_FALSE(by_id.contains("points:P2:2027-09-22:1"));
    }
    {  // no points: nothing
        for (const auto& s : sent)
            CHECK(s.job.member_id != "P3");
    }
    {  // imported late: one catch-up, then the last step on its day
        CHECK(once("points:P4:2027-09-22:7").day == *parse_date("2027-09-19"));
        CHECK(once("points:P4:2027-09-22:1").day == *parse_date("2027-09-21"));
    }
    {  // WeChat: a service notice to a member who never subscribed
        const auto& w = once("points:P5:2027-09-17:7");
        CHECK(w.job.channel == Channel::wechat);
        CHECK(w.job.to == "oTOY_points5");
        CHECK(w.job.text == "陈女士，您有88积分将于2027年9月17日到期，欢迎到童乐玩具使用。");
    }
    {  // nothing else went, nothing twice
        CHECK(sent.size() == by_id.size());
        CHECK(by_id.size() == 8);  // two steps each for P1, P2 (the card's), P4, P5
    }
}
