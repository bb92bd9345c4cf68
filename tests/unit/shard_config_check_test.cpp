// core/shard_config_check.h: what `huitou check-config` says of a store's
// `shards` against its record in Redis.
#include <catch2/catch.hpp>

#include "core/shard_config_check.h"

using namespace huitou;

namespace {

constexpr const char* kKey = "hu:{toyland}:shards";

StoreConfig toyland(int shards) {
    StoreConfig s;
    s.id = "toyland";
    s.name = "童乐玩具";
    s.shards = shards;
    return s;
}

ShardRecord record(int k, ShardRecord::Phase phase = ShardRecord::Phase::none,
                   std::optional<int> to = std::nullopt, std::optional<int> old = std::nullopt) {
    ShardRecord r;
    r.k = k;
    r.phase = phase;
    r.to = to;
    r.old = old;
    return r;
}

}  // namespace

TEST_CASE("config and Redis agree: nothing to say") {
    CHECK_FALSE(shard_config_warning(toyland(1), ShardRecord{}, kKey));  // no record: K = 1
    CHECK_FALSE(shard_config_warning(toyland(3), record(3), kKey));
}

TEST_CASE("config and Redis differ: both numbers and the reshard to run") {
    CHECK(shard_config_warning(toyland(3), ShardRecord{}, kKey) ==
          "store toyland: the config says 3 shards, Redis 1 (hu:{toyland}:shards): run "
          "`huitou reshard --store toyland --shards 3`, or set shards = 1 in the config");
    CHECK(shard_config_warning(toyland(1), record(4), kKey) ==
          "store toyland: the config says 1 shard, Redis 4 (hu:{toyland}:shards): run "
          "`huitou reshard --store toyland --shards 1`, or set shards = 4 in the config");
}

TEST_CASE("a reshard under way is said, with the run that carries it on") {
    using Phase = ShardRecord::Phase;
    SECTION("before the switch: drain and copy go on with the record's target") {
        const auto phase = GENERATE(Phase::drain, Phase::copy);
        const std::string name = phase == Phase::drain ? "drain" : "copy";
        CHECK(shard_config_warning(toyland(3), record(1, phase, 3), kKey) ==
              "store toyland: a reshard from 1 to 3 shards is under way (hu:{toyland}:shards, "
              "phase " +
                  name +
                  "): the scheduler plans and claims nothing of the store until it ends; run "
                  "`huitou reshard --store toyland --shards 3` to carry it on, or the same with "
                  "--abort to stop it");
        // The config still at the old K: the same advice, and the config named.
        const auto w = shard_config_warning(toyland(1), record(1, phase, 3), kKey);
        REQUIRE(w);
        CHECK_THAT(*w,
                   Catch::Contains("--shards 3`") && Catch::EndsWith("; the config says 1 shard"));
    }
    SECTION("a phase without a target: said, no run offered") {
        const auto w = shard_config_warning(toyland(3), record(1, Phase::copy), kKey);
        REQUIRE(w);
        CHECK_THAT(*w, Catch::Contains("does not say to how many shards") &&
                           !Catch::Contains("huitou reshard"));
    }
    SECTION("after the switch: replay finishes at the record's K") {
        CHECK(shard_config_warning(toyland(3), record(3, Phase::replay, 3, 1), kKey) ==
              "store toyland: a reshard from 1 to 3 shards has switched and replays what arrived "
              "meanwhile (hu:{toyland}:shards, phase replay): the scheduler plans and claims "
              "nothing of the store until it ends; run `huitou reshard --store toyland --shards "
              "3` to finish it");
        CHECK_THAT(*shard_config_warning(toyland(2), record(3, Phase::replay, 3, 1), kKey),
                   Catch::EndsWith("--shards 3` to finish it; the config says 2 shards"));
    }
    SECTION("switched and replayed, the old layout not cleaned up") {
        CHECK(shard_config_warning(toyland(3), record(3, Phase::none, std::nullopt, 1), kKey) ==
              "store toyland: the reshard from 1 to 3 shards has not cleaned up the old layout "
              "(hu:{toyland}:shards says old = 1); run `huitou reshard --store toyland --shards "
              "3` to finish it");
    }
}
