#include <catch2/catch.hpp>

#include <set>

#include "io/store_leases.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

TEST_CASE("store leases: one holder at a time, taken over when it runs out") {
    TestRedis server;
    auto ra = server.connect();
    auto rb = server.connect();
    const std::vector<std::string> stores{"toyland", "babycare"};
    StoreLeases a(ra, stores, 400ms), b(rb, stores, 400ms);
    REQUIRE(a.token() != b.token());

    CHECK(a.refresh(true) == stores);
    CHECK(b.refresh(true).empty());
    CHECK(a.holds("toyland"));
    CHECK_FALSE(b.holds("toyland"));
    CHECK(ra.command({"GET", "hu:{toyland}:lease"}).str == a.token());

    SECTION("renewing keeps it; nothing new is reported") {
        CHECK(a.refresh(true).empty());
        CHECK(a.holds("babycare"));
        CHECK(b.refresh(true).empty());
    }
    SECTION("a holder that stops renewing stops acting before the other takes over") {
        // A is frozen: it renews no more. Its own view ends first (a tenth early).
        CHECK(eventually([&] { return !a.holds("toyland"); }, 2s));
        // B takes each store as its lease runs out: maybe in one refresh,
        // maybe one store per refresh on a loaded machine.
        std::set<std::string> taken;
        CHECK(eventually(
            [&] {
                for (const auto& s : b.refresh(true))
                    taken.insert(s);
                return taken.size() == 2;
            },
            5s));
        CHECK(b.holds("toyland"));
        // A comes back: it finds the lease gone and does not take it back.
        CHECK(a.refresh(true).empty());
        CHECK_FALSE(a.holds("toyland"));
        CHECK(ra.command({"GET", "hu:{toyland}:lease"}).str == b.token());
    }
    SECTION("release hands the stores over at once; another's lease is never released") {
        b.release_all();  // holds nothing: changes nothing
        CHECK(ra.command({"GET", "hu:{toyland}:lease"}).str == a.token());
        a.release_all();
        CHECK_FALSE(a.holds("toyland"));
        CHECK(b.refresh(true) == stores);
    }
}

TEST_CASE(
    "the shard record comes with the lease: a new number of shards is a takeover, a "
    "reshard's drain and copy hold the store") {
    TestRedis server;
    auto redis = server.connect();
    StoreLeases a(redis, {"toyland"}, 60s);
    const std::string record = "hu:{toyland}:shards";
    const std::vector<std::string> toyland{"toyland"};
    CHECK(a.refresh(true) == toyland);
    CHECK_FALSE(a.resharding("toyland"));
    CHECK(a.refresh(true).empty());

    // huitou reshard 1 → 3 (docs/architecture.md): drain, copy, the switch.
    redis.command({"HSET", record, "k", "1", "hash", "1", "to", "3", "phase", "drain"});
    CHECK(a.refresh(true).empty());
    CHECK(a.resharding("toyland"));
    redis.command({"HSET", record, "phase", "copy"});
    CHECK(a.refresh(true).empty());
    CHECK(a.resharding("toyland"));
    redis.command({"HSET", record, "k", "3", "old", "1", "phase", "replay"});
    redis.command({"HDEL", record, "to"});
    CHECK(a.refresh(true) == toyland);  // a new layout: planned again
    // Still held while the parked events are replayed: a parked opt-out
    // must be recorded before anything is claimed.
    CHECK(a.resharding("toyland"));
    CHECK(a.holds("toyland"));
    CHECK(a.refresh(true).empty());
    redis.command({"HDEL", record, "phase"});  // end_replay.lua
    CHECK(a.refresh(true).empty());
    CHECK_FALSE(a.resharding("toyland"));

    // A record this build cannot read: said, and the lease is kept.
    redis.command({"HSET", record, "hash", "9"});
    CHECK(a.refresh(true).empty());
    CHECK(a.holds("toyland"));

    // Taken by another replica with the record already there: taken once.
    redis.command({"DEL", record});
    auto rb = server.connect();
    StoreLeases b(rb, {"toyland"}, 60s);
    a.release_all();
    CHECK(b.refresh(true) == toyland);
}
