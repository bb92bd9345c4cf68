// SIGTERM: a worker finishes the job in hand and hands back the jobs queued
// to it, so another worker sends them at once; a scheduler stops claiming
// and exits 0. Nothing is lost or doubled across the restarts.
#include <catch2/catch.hpp>

#include "tests/integration/daemons.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

TEST_CASE_METHOD(Daemons, "stopped workers hand back their queue — a stopped scheduler resumes") {
    import_members(60);
    auto sched = scheduler("scheduler.log");
    // A slow account: most jobs wait in the worker's queue.
    const std::vector<std::string> slow{"--set", "sms.rate_per_second=4", "--set",
                                        "sms.rate_burst=1"};
    auto first = sms_worker("sms1.log", slow);
    REQUIRE(eventually([&] { return outbox().size() >= 5; }, 30s));
    CHECK(first.stop() == 0);
    CHECK_THAT(read_file(dir.file("sms1.log")), Catch::Contains("stopping: handed back"));
    const auto after_first = outbox().size();
    CHECK(after_first < 60);

    // The scheduler stops and starts again between the workers.
    CHECK(sched.stop() == 0);
    auto again = scheduler("scheduler2.log");
    // The jobs come back at once, not after the ack timeout (60 s real here).
    auto second = sms_worker("sms2.log");
    CHECK(eventually([&] { return counts()["sent"] == 60; }, 30s));
    const auto ids = outbox();
    CHECK(ids.size() == 60);
    CHECK(distinct(ids) == 60);
    CHECK(counts()["unknown"] == 0);
    CHECK(second.stop() == 0);
    CHECK(again.stop() == 0);
}
