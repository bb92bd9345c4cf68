// Redis refusing a request (a script error, WRONGTYPE on damaged data) is not
// an outage: nothing waits for Redis to "come back", the refusal is said with
// the request and the reply, and it costs only what it is about — one job
// (worker_test.cpp), one store's step here.
#include <catch2/catch.hpp>

#include "io/job_store.h"
#include "io/redis_keys.h"
#include "io/zmq_frames.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

Job notice(const std::string& store, const std::string& member, SysSeconds due) {
    Job j;
    j.store = store;
    j.kind = Kind::card_expiry;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.to = "+8613800138000";
    j.text = "会员卡即将到期";
    j.marketing = false;  // a service notice: no member hash needed for consent
    j.due_at = due;
    j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    return j;
}

}  // namespace

TEST_CASE("a store whose data Redis refuses does not stop the other stores") {
    TestRedis server;
    const Config config = parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
visits = ""
[admin]
listen = ""
[scheduler]
retry_delay_seconds = 1
[store_defaults.policy]
send_windows = ["00:00-24:00"]
[stores.a_damaged]
name = "甲"
[stores.b_fine]
name = "乙"
)",
                                       "refusal.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock(*parse_instant("2027-09-15T10:00:00+08:00"));
    zmq::context_t zmq;
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    jobs.create({notice("a_damaged", "A1", clock.now()), notice("b_fine", "B1", clock.now()),
                 notice("b_fine", "B2", clock.now())});
    // Store a's due set is damaged: a string where a sorted set belongs.
    redis.command({"DEL", keys::due("a_damaged")});
    redis.command({"SET", keys::due("a_damaged"), "not a sorted set"});

    Scheduler scheduler(config, templates, redis, zmq, clock);
    zmq::socket_t worker(zmq, zmq::socket_type::pull);
    worker.connect(scheduler.job_endpoint(Channel::sms));
    std::size_t received = 0;
    REQUIRE(eventually([&] {
        // A push before the worker's connection is up is handed back for a
        // second later: the clock moves a second a turn.
        clock.advance(1s);
        scheduler.requeue_overdue(clock.now());
        scheduler.dispatch_due(clock.now());
        while (receive_frames(worker))
            ++received;
        return received == 2;
    }));
    CHECK(jobs.counts("b_fine").at("dispatched") == 2);
    CHECK_THAT(scheduler.metrics().registry().render(),
               Catch::Contains("huitou_redis_refusals_total{request=\"claim_due\"}"));
    CHECK(redis.reconnects() == 0);
}
