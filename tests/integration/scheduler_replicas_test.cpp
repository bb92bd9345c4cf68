// Two scheduler replicas on one Redis share the stores through leases: never
// both plan or dispatch a store; when one dies the other takes its stores
// within the lease time; one that stops gives them up at once.
#include <catch2/catch.hpp>

#include <csignal>

#include "tests/integration/daemons.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {
const std::vector<std::string> stores{"toyland", "babycare", "jade-spa", "sg-online"};
}

TEST_CASE_METHOD(Daemons, "a replica takes over a dead one's stores within the lease") {
    import_members(40);
    // Jobs A had claimed when it died come back after the ack timeout: 10 s real.
    const std::vector<std::string> lease{"--set", "scheduler.lease_seconds=2", "--set",
                                         "scheduler.ack_timeout_seconds=600"};
    const Endpoints a_ep = Endpoints::fresh(), b_ep = Endpoints::fresh();
    auto a = scheduler("a.log", lease, &a_ep);
    for (const auto& s : stores) {
        REQUIRE(eventually([&] { return log_has("a.log", "took the lease of store " + s); }));
    }
    auto b = scheduler("b.log", lease, &b_ep);
    auto redis = server.connect();
    // A keeps renewing: watch its lease's time to live go up twice.
    long long last = redis.command({"PTTL", "hu:{toyland}:lease"}).integer;
    for (int renewals = 0; renewals < 2;) {
        REQUIRE(eventually([&] {
            const auto ttl = redis.command({"PTTL", "hu:{toyland}:lease"}).integer;
            const bool renewed = ttl > last;
            last = ttl;
            return renewed;
        }));
        ++renewals;
    }
    CHECK(b.running());
    CHECK_FALSE(log_has("b.log", "took the lease"));
    CHECK(log_has("a.log", "toyland 2027-09-22: occasions"));
    CHECK_FALSE(log_has("b.log", "toyland 2027-09-22: occasions"));

    // No worker yet: A planned the day but could push nothing. Kill it.
    a.signal(SIGKILL);
    const auto killed = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return log_has("b.log", "took the lease of store toyland"); }, 10s));
    const auto takeover = std::chrono::steady_clock::now() - killed;
    // The lease (2 s) plus one renewal interval (2/3 s) at most, with slack for a loaded machine.
    CHECK(takeover < 3500ms);
    CHECK(eventually([&] { return log_has("b.log", "toyland 2027-09-22: occasions"); }));

    auto worker = sms_worker("sms.log", {}, {a_ep, b_ep});
    CHECK(eventually([&] { return counts()["sent"] == 40; }, 30s));
    const auto ids = outbox();
    CHECK(ids.size() == 40);
    CHECK(distinct(ids) == 40);

    // A replica that stops gives its stores up at once.
    CHECK(b.stop() == 0);
    CHECK(redis.command({"EXISTS", "hu:{toyland}:lease"}).integer == 0);
    CHECK(worker.stop() == 0);
    WARN("takeover took " << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()
                          << " ms");
}
