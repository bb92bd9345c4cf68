// The scheduler's flow control (core/dispatch_flow.h) runs on the injected
// clock's monotonic time: with a fixed clock, the in-flight limit holds
// dispatch back until the test moves the clock. Real Redis, real sockets;
// the test is a worker that takes jobs and never answers.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "io/member_store.h"
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
dispatch_batch = 4
[store_defaults.policy]
spread_minutes = 0
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

std::size_t drain(zmq::socket_t& pull) {
    std::size_t n = 0;
    while (receive_frames(pull))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("the dispatch flow holds jobs back until the clock moves", "[scheduler][flow]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(kConfig, "dispatch_flow.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};  // 中秋
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    std::vector<MemberRecord> members;
    for (int i = 0; i < 60; ++i) {
        MemberRecord r{"toyland", "M" + std::to_string(i), {}, {}};
        r.set = {{"name", "会员" + std::to_string(i)},
                 {"phone", "+86138" + std::to_string(10000000 + i)},
                 {"sms_optin", "1"}};
        members.push_back(std::move(r));
    }
    MemberStore(redis).upsert(members);
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    REQUIRE(scheduler.plan_day(*config.find_store("toyland"), *parse_date("2027-09-15")).created ==
            60);

    zmq::socket_t pull(zmq, zmq::socket_type::pull);
    pull.set(zmq::sockopt::linger, 0);
    pull.connect(scheduler.job_endpoint(Channel::sms));
    std::size_t received = 0;
    // Until the connection is up (a job pushed before comes back a second
    // later: the clock moves then) and the flow's limit is reached: 4
    // batches of 4 in flight, no result, and nothing more goes.
    REQUIRE(eventually([&] {
        const auto deferred = scheduler.stats().deferred;
        scheduler.dispatch_due(clock.now());
        if (scheduler.stats().deferred != deferred) clock.advance(1s);
        zmq::pollitem_t items[] = {{pull.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 1, 20ms);
        received += drain(pull);
        return received == 16;
    }));
    for (int i = 0; i < 5; ++i)
        CHECK(scheduler.dispatch_due(clock.now()) == 0);
    CHECK(scheduler.stats().dispatched == 16);

    SECTION("9 s on the clock: the channel is still busy, nothing more goes") {
        clock.advance(9s);
        CHECK(scheduler.dispatch_due(clock.now()) == 0);
    }
    SECTION("10 s on the clock: the channel is no longer busy, a batch goes") {
        clock.advance(10s);
        CHECK(scheduler.dispatch_due(clock.now()) == 4);
        CHECK(scheduler.dispatch_due(clock.now()) == 0);  // busy again, and full
    }
    SECTION("past the ack timeout, what got no result no longer holds the flow") {
        clock.advance(config.scheduler.ack_timeout + 1s);
        scheduler.requeue_overdue(clock.now());
        CHECK(scheduler.dispatch_due(clock.now()) > 0);
    }
}
