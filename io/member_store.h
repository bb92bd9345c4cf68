// member_store.h — members in Redis: upsert from imports, read for planning.
//
// Upserts go in batches: one pipelined HGETALL for the batch, the pure merge
// (core/member_write.h) in C++, then one pipelined script call per member that
// applies the write if its guard still holds. Two round trips per batch,
// whatever its size. A member named twice in one batch splits the batch, so
// rows apply in file order. A write whose guard failed (someone changed the
// member in between) is read and merged again.
//
// Planning reads members through the indexes (the ones a day's occasions
// name, core/occasion.h), never by scanning the keyspace. An index is a hash
// whose fields are member ids (values empty), not a set: in Redis 7.0 a small
// hash is one listpack, about 12 bytes an id, where a set of strings costs
// about 50 (docs/BENCHMARKS.md). A festival that reaches everyone streams the
// store's members in batches: the own-birthday indexes partition the members
// (core/member_write.h), so it reads their sizes (HLEN) in one round trip,
// their ids (HKEYS pipelined for small ones, HSCAN for large ones) and the
// members with one pipelined HGETALL per batch, sent a batch ahead so that
// Redis reads while the planner works (read_ahead).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/member.h"
#include "core/member_row.h"
#include "core/member_write.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

class MemberStore {
  public:
    explicit MemberStore(RedisConnection& redis);

    // Where an import's consent changes come from, for the ledger.
    struct Evidence {
        SysSeconds at{};
        std::string detail;  // the file imported
    };

    // Stores `records` in order; returns each one's outcome. With `evidence`,
    // every change of a consent flag is written to the store's consent ledger
    // first (core/consent.h: one event per batch, store, channel and
    // direction, naming its members). Throws RedisError.
    std::vector<WriteOutcome> upsert(const std::vector<MemberRecord>& records,
                                     const Evidence* evidence = nullptr);

    // The member, or nullopt. Throws RedisError.
    std::optional<Member> get(const std::string& store, const std::string& id);

    // The members in index set `suffix` ("bd:09-15"). Throws RedisError.
    std::vector<Member> in_index(const std::string& store, const std::string& suffix);

    // The ids in any of the index sets `suffixes`, sorted, each once (one
    // pipelined round trip). Throws RedisError.
    std::vector<std::string> ids_in(const std::string& store,
                                    const std::vector<std::string>& suffixes);

    // The members `ids` that exist, in one pipelined round trip. Throws RedisError.
    std::vector<Member> get_many(const std::string& store, const std::vector<std::string>& ids);

    // Calls `each` with every member of `store`, `batch` at a time (a member
    // may come twice if it changes meanwhile), read as read_ahead does: the
    // same precondition on `each`. The ids are listed first (about 50 bytes
    // of client memory a member). Throws RedisError.
    void for_each_member(const std::string& store, std::size_t batch,
                         const std::function<void(const std::vector<Member>&)>& each);

    // Calls `each` with the members `ids` that exist, `batch` at a time, in
    // order. The next batch's HGETALLs are sent before `each` runs, so Redis
    // reads them while the caller works: `each` must not use this store's
    // connection, and after an exception the connection must be dropped
    // (replies may be left unread). Throws RedisError.
    void read_ahead(const std::string& store, const std::vector<std::string>& ids,
                    std::size_t batch, const std::function<void(const std::vector<Member>&)>& each);

  private:
    // Upserts records naming distinct members.
    void upsert_distinct(const std::vector<const MemberRecord*>& records,
                         std::vector<WriteOutcome>& outcomes, std::size_t first_index,
                         const Evidence* evidence);

    RedisConnection& redis_;
    LuaScript apply_;
};

}  // namespace huitou
