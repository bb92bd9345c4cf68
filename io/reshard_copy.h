// reshard_copy.h — the copy behind `huitou reshard` (io/reshard.h): a
// store's data read in its layout of K1 shards and written in the layout of
// K2, in the three passes docs/architecture.md ("huitou reshard") names —
// sheets (a due day a batch), keys (a SCAN page of an old shard a batch),
// rebuild (the store-wide sums, sets and ledgers, each begun by its DEL).
//
// Each call is one batch and idempotent, so Reshard saves its place in
// hu:{S}:reshard between them and a run killed anywhere is resumed by doing
// the last batch again. It knows where every key family goes (by its
// member, its job, to every shard, or rebuilt) and refuses a key of a family
// it has no rule for rather than leave it behind. Reshard (io/reshard.h)
// decides when; this only writes.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/store_shards.h"
#include "io/redis_connection.h"

namespace huitou {

namespace reshard {
// hu:{S}:optout:todo: opt-outs whose copies to the other shards are pending.
std::string opt_out_todo(const std::string& store);
// Runs `commands`, 1000 a round trip, each reply checked (`what` names them).
void write_all(RedisConnection& redis, const std::vector<RedisCommand>& commands,
               std::string_view what);
std::string join(const std::vector<std::string>& items, std::string_view sep);
}  // namespace reshard

class ReshardCopy {
  public:
    // From `from` shards of `store` to `to`; `batch` keys or items a round trip.
    ReshardCopy(RedisConnection& redis, std::string store, int from, int to, std::size_t batch);
    ~ReshardCopy();
    ReshardCopy(const ReshardCopy&) = delete;
    ReshardCopy& operator=(const ReshardCopy&) = delete;

    // The sheets pass: the due days with sheets in any old shard, sorted;
    // one day's records, notes and counts into the new shards.
    std::vector<std::string> days();
    void copy_day(const std::string& day);
    // The keys pass: one SCAN page of old shard `old_shard` from `cursor`;
    // returns the next cursor ("0": that shard is done).
    std::string copy_page(int old_shard, const std::string& cursor);
    // The rebuild pass, whole.
    void rebuild();

    // Each key of `shard` matching `match` (a pattern after "hu:{T}:"), by
    // its rest after the prefix.
    void scan_keys(const Shard& shard, const std::string& match,
                   const std::function<void(const std::string&)>& each);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace huitou
