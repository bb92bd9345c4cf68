// bench/bench_redis.h — what the benchmark programs ask Redis about themselves.
//
// Commands counted from INFO commandstats (a delta between two snapshots is
// what a piece of work cost the server, every client included), memory from
// INFO memory, and clearing a store's jobs between repeated runs. Header-only:
// only the bench programs use it.
#pragma once

#include <map>
#include <string>

#include "io/redis_connection.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou::bench {

// "cmdstat_hgetall:calls=12,..." → {"hgetall": 12, ...}
inline std::map<std::string, long long> command_calls(RedisConnection& redis) {
    const auto reply = redis.command({"INFO", "commandstats"});
    reply.expect_ok("INFO commandstats");
    std::map<std::string, long long> calls;
    std::size_t pos = 0;
    const std::string& s = reply.str;
    while ((pos = s.find("cmdstat_", pos)) != std::string::npos) {
        const auto colon = s.find(':', pos);
        const auto eq = s.find("calls=", colon);
        if (colon == std::string::npos || eq == std::string::npos) break;
        calls[s.substr(pos + 8, colon - pos - 8)] = std::stoll(s.substr(eq + 6));
        pos = eq;
    }
    return calls;
}

inline std::map<std::string, long long> calls_between(const std::map<std::string, long long>& a,
                                                      const std::map<std::string, long long>& b) {
    std::map<std::string, long long> d;
    for (const auto& [k, v] : b) {
        const auto it = a.find(k);
        const long long n = v - (it == a.end() ? 0 : it->second);
        if (n > 0) d[k] = n;
    }
    d.erase("info");  // our own snapshots
    return d;
}

inline std::string describe_calls(const std::map<std::string, long long>& d) {
    long long total = 0;
    std::string parts;
    for (const auto& [k, v] : d) {
        total += v;
        parts += (parts.empty() ? "" : ", ") + k + " " + std::to_string(v);
    }
    return std::to_string(total) + " (" + (parts.empty() ? "none" : parts) + ")";
}

inline long long info_field(RedisConnection& redis, const std::string& section,
                            const std::string& field) {
    const auto reply = redis.command({"INFO", section});
    reply.expect_ok("INFO");
    const auto pos = reply.str.find(field + ":");
    if (pos == std::string::npos) return -1;
    return std::stoll(reply.str.substr(pos + field.size() + 1));
}

// Deletes every job of `store` (hashes and day sheets, in every shard of a
// store over K shards) and its due, in-flight, counts and layout keys, and
// the effect report's records.
inline void clear_jobs(RedisConnection& redis, const std::string& store) {
    for (const auto& shard : shards_of(redis, store)) {
        // The jobs, and the open-jobs indexes by recipient: a run planned again
        // on top of an old index would append to it, which a real day never does.
        for (const auto& pattern :
             {keys::job_prefix(shard) + "*", keys::shard_prefix(shard) + "open:*",
              keys::shard_prefix(shard) + "sheet*", keys::shard_prefix(shard) + "days:*",
              // The effect report's records and the holdout groups: written
              // with the jobs, so a run planned again measures their bytes too.
              keys::shard_prefix(shard) + "fx:*", keys::shard_prefix(shard) + "holdout:*"}) {
            std::string cursor = "0";
            do {
                const auto reply =
                    redis.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "10000"});
                reply.expect_ok("SCAN");
                cursor = reply.elements.at(0).str;
                RedisCommand unlink{"UNLINK"};
                for (const auto& k : reply.elements.at(1).elements)
                    unlink.push_back(k.str);
                if (unlink.size() > 1) redis.command(unlink).expect_ok("UNLINK");
            } while (cursor != "0");
        }
        redis.command({"DEL", keys::due(shard), keys::inflight(shard), keys::counts(shard)})
            .expect_ok("DEL");
    }
    redis.command({"DEL", keys::jobs_version(store)}).expect_ok("DEL");
}

}  // namespace huitou::bench
