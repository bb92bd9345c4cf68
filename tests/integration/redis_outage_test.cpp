// The scheduler and a worker started before Redis, then Redis stopped and
// started again while they send: both keep running, back off, reconnect,
// load their Lua scripts again (a restarted Redis has none), and every job
// is sent exactly once.
#include <catch2/catch.hpp>

#include "tests/integration/daemons.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

TEST_CASE_METHOD(Daemons, "scheduler and worker wait for Redis and ride out its restart") {
    import_members(60);
    server.stop();

    // A slow account (5 a second), so the outage falls in the middle of the sending.
    auto sched = scheduler("scheduler.log");
    auto worker =
        sms_worker("sms.log", {"--set", "sms.rate_per_second=5", "--set", "sms.rate_burst=1"});
    REQUIRE(eventually([&] { return log_has("scheduler.log", "is not reachable"); }));
    REQUIRE(eventually([&] { return log_has("sms.log", "is not reachable"); }));
    CHECK(sched.running());
    CHECK(worker.running());

    server.start();
    REQUIRE(eventually([&] { return outbox().size() >= 10; }, 30s));

    server.stop();
    REQUIRE(eventually([&] { return log_has("scheduler.log", "Redis is away"); }));
    REQUIRE(eventually([&] { return log_has("sms.log", "Redis is away"); }));
    CHECK(sched.running());
    CHECK(worker.running());
    const auto sent_before = outbox().size();
    CHECK(sent_before < 60);

    server.start();  // AOF kept the data; the script cache is empty: NOSCRIPT
    CHECK(eventually([&] { return log_has("scheduler.log", "Redis is back"); }));
    CHECK(eventually([&] { return log_has("sms.log", "Redis is back"); }));
    CHECK(eventually([&] { return counts()["sent"] == 60; }, 60s));
    const auto ids = outbox();
    CHECK(ids.size() == 60);
    CHECK(distinct(ids) == 60);
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}

TEST_CASE_METHOD(Daemons, "a stop request while waiting for Redis exits at once") {
    server.stop();
    auto sched = scheduler("scheduler.log");
    REQUIRE(eventually([&] { return log_has("scheduler.log", "is not reachable"); }));
    CHECK(sched.stop(2s) == 0);
}
