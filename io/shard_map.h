// shard_map.h — which shard of a store a member's or a job's keys are under
// (docs/architecture.md, "A store over K shards").
//
// A store's shard count lives in Redis, in hu:{S}:shards (absent: K = 1,
// today's layout), so every process routes the same way without a config
// change reaching them all at once. Reading it before every command would
// double the round trips, so each connection keeps the records it read for
// a few seconds (on the monotonic clock). A stale K is not what keeps data
// safe — a reshard fences the old layout's scripts (step 5 of the design);
// the cache only bounds how often the record is read.
//
// A record is never read while the connection has replies pending (a
// planning pipeline is under way): the reply would land among the
// pipeline's. Then the cached record is used however old it is, and a store
// never read before is a programming error (std::logic_error): a pipelining
// caller asks for the store's shards once before it starts.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/store_shards.h"
#include "io/redis_connection.h"

namespace huitou {

// The records read through one connection, and when.
class ShardCache {
  public:
    // How long a record read is used before it is read again.
    static constexpr std::chrono::milliseconds kFresh{5000};

    // The record of `store`: cached, or read (HGETALL). Throws RedisError,
    // RedisReplyError for a record this build cannot route by (malformed,
    // or another hash function), and std::logic_error as said above.
    const ShardRecord& of(RedisConnection& redis, std::string_view store);
    // Reads `store`'s record at its next use.
    void forget(std::string_view store);

  private:
    struct Entry {
        ShardRecord record;
        std::chrono::steady_clock::time_point read_at;
    };
    std::map<std::string, Entry, std::less<>> entries_;
};

// How many shards `store` has (K).
int shard_count(RedisConnection& redis, std::string_view store);
// The K shards of `store`, in index order.
std::vector<Shard> shards_of(RedisConnection& redis, std::string_view store);
// The shard holding member `member` of `store`.
Shard shard_of_member(RedisConnection& redis, std::string_view store, std::string_view member);
// The shard holding job `job_id` of `store`: its member's. An id that names
// no member (not a job id) is looked for in shard 0, where, like in every
// other shard, no such job is: its lookups answer "missing" as before.
Shard shard_of_job(RedisConnection& redis, std::string_view store, std::string_view job_id);
// Reads `store`'s record again at its next use.
void forget_shards(RedisConnection& redis, std::string_view store);

}  // namespace huitou
