// test_reshard.h — a reshard's phases written by hand, as `huitou reshard`
// writes them (docs/architecture.md, "huitou reshard"), for the tests of
// what the doors and the scheduler do meanwhile.
#pragma once

#include <string>

#include "core/store_shards.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"
#include "io/redis_keys.h"

namespace huitou::test {

// The start of the reshard the tests run: the record's `at`, a fixed instant.
inline constexpr const char* kReshardAt = "1821340800";

// The copy begins: the record's phase first, then every old shard's fence
// (the order that makes a fence met always find a phase that parks).
inline void hold_for_copy(RedisConnection& redis, const std::string& store, int from, int to) {
    redis
        .command({"HSET", keys::shard_record(store), "k", std::to_string(from), "hash", "1", "to",
                  std::to_string(to), "phase", "copy", "at", kReshardAt})
        .expect_ok("HSET shard record");
    for (const auto& shard : all_shards(store, from))
        redis.command({"SET", LuaScript::fence_key("{" + shard.tag() + "}"), "copy"})
            .expect_ok("SET fence");
}

// The switch: one write, from here the store is `to` shards and replays.
// With to == from (a door's test, whose data must stay where it is), the
// old layout is the new one and its fences go: the test's stand-in for a copy.
inline void switch_layout(RedisConnection& redis, const std::string& store, int from, int to) {
    redis
        .command({"HSET", keys::shard_record(store), "k", std::to_string(to), "old",
                  std::to_string(from), "phase", "replay"})
        .expect_ok("HSET shard record");
    if (to == from)
        for (const auto& shard : all_shards(store, from))
            redis.command({"DEL", LuaScript::fence_key("{" + shard.tag() + "}")})
                .expect_ok("DEL fence");
}

}  // namespace huitou::test
