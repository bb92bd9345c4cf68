// member_store.h — members in Redis: upsert from imports, read for planning.
//
// Upserts go in batches, one transaction per store: WATCH of the batch's
// members and their HGETALLs, the pure merge (core/member_write.h) in C++,
// then MULTI, plain HSET/HDEL/ZADD/ZREM of the writes, EXEC — about a third
// of the Redis time of doing the same in a script. Two round trips per
// batch, whatever its size; an import waits for only one of them
// (begin_upsert / finish_upsert: Redis applies batch N while the importer
// parses batch N+1). A member named twice in one batch splits the batch, so
// rows apply in file order. When a watched member changed between the read
// and the EXEC (a consent change, a visit), nothing of that transaction is
// applied and its members are read, merged and written again through
// scripts/apply_member_write.lua, whose guards are per member.
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
#include "core/consent.h"
#include "core/member.h"
#include "core/member_row.h"
#include "core/member_write.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

class MemberStore {
  public:
    explicit MemberStore(RedisConnection& redis);

    // Where a write's consent changes come from, for the ledger. An import
    // (the default) writes one event per batch, store, channel and direction
    // naming its members; any other source (api: a member written over
    // /api/v1) one event per member and change, naming the member. Either way
    // only the shop's flag changes: no source here takes an address off the
    // opt-out list (core/consent.h).
    struct Evidence {
        SysSeconds at{};
        std::string detail;  // the file imported; for the API, who wrote
        ConsentSource source = ConsentSource::import;
    };

    // Stores `records` in order; returns each one's outcome. With `evidence`,
    // every change of a consent flag is written to the store's consent ledger
    // first (core/consent.h: one event per batch, store, channel and
    // direction, naming its members). Throws RedisError.
    std::vector<WriteOutcome> upsert(const std::vector<MemberRecord>& records,
                                     const Evidence* evidence = nullptr);

    // upsert in two halves, for an import that parses the next batch while
    // Redis writes this one: begin_upsert reads the members and sends their
    // writes without waiting for Redis to apply them; finish_upsert waits,
    // retries what a guard refused, and returns the outcomes. Between the two
    // this connection must not be used (replies are left unread); after an
    // exception it must be dropped. `evidence` must outlive finish_upsert.
    // Throws RedisError; std::logic_error when a begin is not finished.
    void begin_upsert(std::vector<MemberRecord> records, const Evidence* evidence = nullptr);
    std::vector<WriteOutcome> finish_upsert();

    // For tests of the path a concurrent writer takes: called after a
    // transaction's reads, before its writes are sent — a change made there
    // aborts it, and its members are written again through the script.
    void set_after_read_for_test(std::function<void()> hook) { after_read_ = std::move(hook); }

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
    // One round of writes for records naming distinct members. The first
    // round is one MULTI/EXEC per store under WATCH of its members (plain
    // commands: a third of the Redis time of the script); a transaction that
    // met a concurrent change applied nothing, and its members go again
    // through apply_member_write, whose guards are per member.
    struct Round {
        bool watched = false;
        std::vector<LuaScript::Call> calls;             // a script round's calls
        std::vector<std::vector<std::size_t>> applied;  // per call or transaction: its records
        std::vector<std::size_t> queued;                // per transaction: its commands
        std::size_t read = 0;                           // transactions whose replies were read
        std::vector<std::size_t> retry;                 // records of aborted transactions
        std::string frozen;  // a shard tag whose fence stopped its transaction
    };
    // A batch begun and not finished.
    struct Begun {
        std::vector<MemberRecord> records;
        std::vector<const MemberRecord*> last_group;  // the distinct run still writing
        std::size_t first = 0;                        // its first index in records
        std::vector<WriteOutcome> outcomes;
        const Evidence* evidence = nullptr;
        Round round;
    };

    // Upserts records naming distinct members, waiting for Redis; rounds
    // from `first_round` on (0: watched first, then scripts).
    void upsert_distinct(const std::vector<const MemberRecord*>& records,
                         std::vector<WriteOutcome>& outcomes, std::size_t first_index,
                         const Evidence* evidence, int first_round = 0);
    // Reads records[pending], merges them, writes the consent evidence, and
    // sends the writes (their replies unread).
    Round send_watched_round(const std::vector<const MemberRecord*>& records,
                             const std::vector<std::size_t>& pending,
                             std::vector<WriteOutcome>& outcomes, std::size_t first_index,
                             const Evidence* evidence);
    Round send_script_round(const std::vector<const MemberRecord*>& records,
                            const std::vector<std::size_t>& pending,
                            std::vector<WriteOutcome>& outcomes, std::size_t first_index,
                            const Evidence* evidence);
    // Reads the round's unread replies; returns the records to write again.
    std::vector<std::size_t> collect_round(Round& round);
    void read_transaction(Round& round);

    RedisConnection& redis_;
    LuaScript apply_;
    bool script_loaded_ = false;
    std::optional<Begun> begun_;
    std::function<void()> after_read_;
};

}  // namespace huitou
