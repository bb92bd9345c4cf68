// core/reshard_plan.h: what `huitou reshard` may do next, from what it found.
#include <catch2/catch.hpp>

#include "core/reshard_plan.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

const SysSeconds kStart{std::chrono::seconds{1821340800}};

// Store toyland at K = 1, asked to go to 3, day sheets, nothing found yet.
ReshardFacts asked() {
    ReshardFacts f;
    f.target = 3;
    f.now = kStart;
    f.job_layout = 2;
    f.has_jobs = true;
    return f;
}

ReshardFacts in_phase(ShardRecord::Phase phase, int k = 1, int to = 3) {
    ReshardFacts f = asked();
    f.record.k = k;
    f.record.to = to;
    f.record.phase = phase;
    f.since = kStart;
    f.target = to;
    return f;
}

ReshardStep step(const ReshardFacts& f) {
    return reshard_next(f).step;
}

}  // namespace

TEST_CASE("a reshard starts only on a store it can copy, into an empty layout") {
    CHECK(step(asked()) == ReshardStep::start);
    auto f = asked();
    for (const int bad : {0, -1, 65}) {
        f.target = bad;
        CHECK(reshard_next(f).why == "--shards must be 1 to 64, not " + std::to_string(bad));
    }
    f = asked();
    f.target = 1;
    CHECK(step(f) == ReshardStep::done);  // K = K2: nothing to do, not an error
    f = asked();
    f.job_layout = 1;
    CHECK(step(f) == ReshardStep::refuse);
    CHECK_THAT(reshard_next(f).why, Catch::Contains("job layout 1"));
    f.has_jobs = false;  // a layout-1 store without a job moves freely
    CHECK(step(f) == ReshardStep::start);
    f = asked();
    f.target_keys = {"hu:{toyland.3.1}:m:M7", "hu:{toyland.3.2}:due"};
    CHECK(step(f) == ReshardStep::refuse);
    CHECK_THAT(reshard_next(f).why, Catch::Contains("(2, first hu:{toyland.3.1}:m:M7)"));
    f = asked();
    f.abort = true;
    CHECK(reshard_next(f).why == "no reshard of this store is under way: nothing to abort");
}

TEST_CASE("the drain waits a lease and two map periods, then for the jobs in flight") {
    auto f = in_phase(ShardRecord::Phase::drain);
    f.in_flight = false;
    f.now = kStart + 10s;
    auto d = reshard_next(f);
    CHECK(d.step == ReshardStep::wait);
    CHECK(d.wait_for == 30s);  // 30 s lease + 2 × 5 s − 10 s
    f.now = kStart + 40s;
    CHECK(step(f) == ReshardStep::begin_copy);
    f.in_flight = true;
    d = reshard_next(f);
    CHECK(d.step == ReshardStep::wait);
    CHECK_THAT(d.why, Catch::Contains("in flight"));
    f.in_flight = false;
    f.webhooks_pending = "endpoint E1 has events to deliver (hu:{toyland}:wh:q:E1)";
    d = reshard_next(f);
    CHECK(d.step == ReshardStep::wait);
    CHECK_THAT(d.why, Catch::Contains("webhook deliveries are owed (endpoint E1"));
    CHECK_THAT(d.why, Catch::Contains("--abort"));
    f.since.reset();
    CHECK(step(f) == ReshardStep::refuse);
}

TEST_CASE("the copy is verified before the switch — a difference stops it, held") {
    auto f = in_phase(ShardRecord::Phase::copy);
    CHECK(step(f) == ReshardStep::copy);
    f.copied = true;
    CHECK(step(f) == ReshardStep::verify);
    f.differing = std::vector<std::string>{"m:", "due"};
    const auto d = reshard_next(f);
    CHECK(d.step == ReshardStep::stop);
    CHECK_THAT(d.why, Catch::StartsWith("the copy differs from the store in m:, due:"));
    f.differing = std::vector<std::string>{};
    CHECK(step(f) == ReshardStep::switch_over);
}

TEST_CASE("one target at a time, and --abort only before the switch") {
    for (const auto phase : {ShardRecord::Phase::drain, ShardRecord::Phase::copy}) {
        auto f = in_phase(phase);
        f.target = 5;
        CHECK(reshard_next(f).why ==
              "a reshard to 3 shards is under way: run it with --shards 3, or stop it with "
              "--abort");
        f.target = 3;
        f.abort = true;
        CHECK(step(f) == ReshardStep::abort);
    }
    // Switched: k = 3, old = 1, replaying.
    auto f = in_phase(ShardRecord::Phase::replay, 3, 3);
    f.record.old = 1;
    CHECK(step(f) == ReshardStep::replay);
    f.abort = true;
    CHECK_THAT(reshard_next(f).why, Catch::Contains("reshard to 1 once this one is done"));
    f.abort = false;
    f.target = 2;
    CHECK(reshard_next(f).why ==
          "the store switched to 3 shards and replays what arrived meanwhile: run with "
          "--shards 3");
    // Replayed: the phase gone, the old layout left to clean.
    f = asked();
    f.record.k = 3;
    f.record.old = 1;
    CHECK(step(f) == ReshardStep::clean);
    f.target = 2;
    CHECK_THAT(reshard_next(f).why, Catch::Contains("run with --shards 3 first"));
    f.target = 3;
    f.abort = true;
    CHECK(step(f) == ReshardStep::refuse);
    // Cleaned: the same command again is done.
    f = asked();
    f.record.k = 3;
    CHECK(step(f) == ReshardStep::done);
}

TEST_CASE("an abort cut short while it replays into the old layout is finished by any run") {
    // k = 1 (the old layout, kept), to = 3 (the layout the abort deleted).
    auto f = in_phase(ShardRecord::Phase::replay, 1, 3);
    CHECK(step(f) == ReshardStep::abort);
    f.abort = true;
    CHECK(step(f) == ReshardStep::abort);
    f.abort = false;
    f.target = 2;
    CHECK(step(f) == ReshardStep::abort);
}
