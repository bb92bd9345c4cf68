// Planning a festival day does not stop the loop: between two planning
// batches the scheduler takes the results that arrived, records them, and
// dispatches what is due (Scheduler::serve_between_batches). On a real Redis
// and real sockets, with a fixed clock; the test plays the worker with a
// PULL and a PUSH socket, so nothing but planning runs the scheduler.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "core/wire.h"
#include "io/member_store.h"
#include "io/zmq_frames.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

// "early" has two members and plans first (stores in name order); "toyland"
// has the festival of thousands, planned 100 members a batch.
constexpr const char* kConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
plan_batch = 100
[store_defaults.policy]
spread_minutes = 0
[stores.early]
name = "早到"
channels = ["sms"]
festivals = ["mid_autumn"]
card_expiry_days = []
[stores.early.winback]
enabled = false
[stores.early.effect]
holdout = { festival = 0 }
[stores.toyland]
name = "童乐玩具"
channels = ["sms"]
festivals = ["mid_autumn"]
card_expiry_days = []
[stores.toyland.winback]
enabled = false
[stores.toyland.effect]
holdout = { festival = 0 }
)";

constexpr int kMembers = 3000;

std::vector<MemberRecord> members(const std::string& store, int n) {
    std::vector<MemberRecord> out;
    for (int i = 0; i < n; ++i) {
        MemberRecord r{store, store + std::to_string(i), {}, {}};
        r.set = {{"name", "会员" + std::to_string(i)},
                 {"phone", "+86138" + std::to_string(10000000 + i)},
                 {"sms_optin", "1"}};
        out.push_back(std::move(r));
    }
    return out;
}

// Every job message waiting on `pull` now.
std::vector<JobMessage> take_jobs(zmq::socket_t& pull) {
    std::vector<JobMessage> jobs;
    while (auto frames = receive_frames(pull)) {
        auto decoded = decode_job(frame_views(*frames));
        REQUIRE(decoded.message);
        jobs.push_back(std::move(*decoded.message));
    }
    return jobs;
}

ResultMessage sent_result(const JobMessage& job, SysSeconds at) {
    ResultMessage r;
    r.store = job.store;
    r.job_id = job.job_id;
    r.outcome = Outcome::sent;
    r.provider = "test";
    r.provider_ref = "ref-" + job.job_id;
    r.at = at;
    r.worker = "test-worker";
    r.recorded = false;  // the scheduler records it
    return r;
}

}  // namespace

TEST_CASE("a festival's planning takes results and dispatches between its batches",
          "[scheduler][planning]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(kConfig, "planning_turns.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};  // 中秋
    const Date day = *parse_date("2027-09-15");
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    MemberStore(redis).upsert(members("early", 2));
    MemberStore(redis).upsert(members("toyland", kMembers));
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    JobStore jobs(redis, config.scheduler);

    // The test is the worker: jobs come in on `pull`, results go out on `push`.
    zmq::socket_t pull(zmq, zmq::socket_type::pull);
    pull.set(zmq::sockopt::linger, 0);
    pull.connect(scheduler.job_endpoint(Channel::sms));
    zmq::socket_t push(zmq, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 0);
    push.connect(scheduler.results_endpoint());

    // Both connections up before planning: the small store's two jobs are
    // dispatched and the first one's result is taken, with the loop's steps
    // called one by one.
    REQUIRE(scheduler.plan_day(*config.find_store("early"), day).created == 2);
    std::vector<JobMessage> early;
    // (A job pushed before the worker's connection is up comes back due a
    // second later: the clock moves then, as the pipeline test's turns do.)
    REQUIRE(eventually([&] {
        const auto deferred = scheduler.stats().deferred;
        scheduler.dispatch_due(clock.now());
        if (scheduler.stats().deferred != deferred) clock.advance(1s);
        zmq::pollitem_t items[] = {{pull.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 1, 50ms);
        for (auto& j : take_jobs(pull))
            early.push_back(std::move(j));
        return early.size() == 2;
    }));
    REQUIRE(send_frames(push, encode(sent_result(early[0], clock.now()))));
    REQUIRE(eventually([&] { return scheduler.handle_results(50ms) == 1; }));
    REQUIRE(scheduler.stats().results.at("sent") == 1);

    // The second result is sent; from here the test calls only plan_due_days.
    const SysSeconds now = clock.now();
    REQUIRE(send_frames(push, encode(sent_result(early[1], now))));
    const auto dispatched_before = scheduler.stats().dispatched;
    scheduler.serve_while_planning(true);
    scheduler.plan_due_days(now);

    const auto& stats = scheduler.stats();
    // The whole day was planned, in batches with a loop turn between them.
    CHECK(stats.planned == 2 + kMembers);
    CHECK(stats.turns_while_planning >= kMembers / 100);
    CHECK(jobs.counts("toyland").size() > 0);
    // The result that came meanwhile was taken and recorded in Redis.
    CHECK(stats.results.at("sent") == 2);
    const auto second = jobs.get("early", early[1].job_id);
    REQUIRE(second);
    CHECK(second->state == JobState::sent);
    // And the festival's jobs went out while it was being planned.
    const auto festival = take_jobs(pull);
    CHECK(stats.dispatched > dispatched_before);
    CHECK(festival.size() > 0);
    for (const auto& j : festival)
        CHECK(j.store == "toyland");

    SECTION("the day is planned once: a replan creates nothing") {
        CHECK(scheduler.plan_day(*config.find_store("toyland"), day).created == 0);
        const auto turns = stats.turns_while_planning;
        scheduler.plan_due_days(now);  // planned already: not again
        CHECK(stats.turns_while_planning == turns);
    }
}

TEST_CASE("planning without serving the loop takes no result meanwhile", "[scheduler][planning]") {
    // The control: plan_due_days as a test that drives the steps itself calls it.
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(kConfig, "planning_turns.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    MemberStore(redis).upsert(members("toyland", 300));
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    scheduler.plan_due_days(clock.now());
    CHECK(scheduler.stats().planned == 300);
    CHECK(scheduler.stats().turns_while_planning == 0);
    CHECK(scheduler.stats().dispatched == 0);
}

TEST_CASE(
    "planning stopped between two batches is done again by the next scheduler, nothing "
    "twice",
    "[scheduler][planning]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(kConfig, "planning_turns.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    MemberStore(redis).upsert(members("toyland", 1000));
    zmq::context_t zmq;
    JobStore jobs(redis, config.scheduler);
    auto planned = [&] {
        long long n = 0;
        for (const auto& [state, count] : jobs.counts("toyland"))
            n += count;
        return n;
    };
    {
        // Stopped after the third batch, as a stop request or a lost lease
        // stops serve_between_batches.
        Scheduler first(config, templates, scheduler_redis, zmq, clock);
        int batches = 0;
        CHECK_THROWS_AS(first.plan_day(*config.find_store("toyland"), *parse_date("2027-09-15"),
                                       [&] {
                                           if (++batches == 3) throw PlanningStopped{"test"};
                                       }),
                        PlanningStopped);
    }
    // The third batch's creates were sent before the stop; Redis ran them.
    const long long before = planned();
    CHECK(before >= 200);
    CHECK(before <= 300);
    Scheduler next(config, templates, scheduler_redis, zmq, clock);
    next.serve_while_planning(true);
    next.plan_due_days(clock.now());
    CHECK(next.stats().planned == static_cast<std::size_t>(1000 - before));
    CHECK(planned() == 1000);
}
