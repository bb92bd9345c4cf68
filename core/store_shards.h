// store_shards.h — a store over K shards: the shards' tags and which shard
// a member belongs to (docs/architecture.md, "A store over K shards").
//
// A store's keys carry a hash tag, hu:{S}:…, so each Lua script touches one
// Redis Cluster slot. A store too big for one master is cut into K shards:
// everything keyed by a member or her jobs lives under her shard's tag
//   shard_tag(S, K, i) = K == 1 ? S : "S.K.i"        toyland.3.0 … toyland.3.2
// and what belongs to the whole store stays under {S}. A store id never holds
// '.', so a tag splits back into store, K and i, and K being in the tag keeps
// two layouts apart while a reshard copies one into the other.
//   member_shard(id, K) = K == 1 ? 0 : (fmix64(stable_hash(id)) >> 32) % K
// The finalizer matters: sheets already take stable_hash(id) % n, and the
// plain hash mod K would be a function of the sheet whenever K divides n.
// This function must never change: a member's keys are found only through
// it. The record hu:{S}:shards names it (`hash = 1`); K = 1 is today's
// layout, no record, no parsing.
//
// Pure: nothing here reads Redis (io/ reads the record and routes).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

// The most shards a store can have.
inline constexpr int kMaxShards = 64;

// One shard of a store: `index` of `k`. K = 1 is an unsharded store.
struct Shard {
    std::string store;
    int k = 1;
    int index = 0;

    // Its hash tag: shard_tag(store, k, index).
    std::string tag() const;

    friend bool operator==(const Shard&, const Shard&) = default;
};

// The only shard of an unsharded store (K = 1), whose tag is the store id:
// its keys are the store's keys of before sharding, byte for byte.
Shard only_shard(std::string_view store);

// The hash tag of shard `i` of `k` of `store`. Precondition: 1 ≤ k ≤ kMaxShards,
// 0 ≤ i < k.
std::string shard_tag(std::string_view store, int k, int i);

// The shard a tag names: "toyland" → {toyland, 1, 0}, "toyland.3.2" →
// {toyland, 3, 2}; nullopt for anything shard_tag cannot have made (an
// invalid store id, K outside 2..kMaxShards, i ≥ K, a leading zero, "S.1.0").
std::optional<Shard> parse_shard_tag(std::string_view tag);

// The K shards of a store, in index order.
std::vector<Shard> all_shards(std::string_view store, int k);

// Which of `k` shards member `id` belongs to. Precondition: 1 ≤ k ≤ kMaxShards.
int member_shard(std::string_view id, int k);

// The shard of job `job_id` ("<kind>:<member>:<date>[:<detail>]"), its
// member's; with k = 1 always 0, without parsing. nullopt when k > 1 and the
// id is not a job id.
std::optional<int> job_shard(std::string_view job_id, int k);

// The record hu:{S}:shards. Absent (no fields): K = 1, never sharded.
// While a reshard runs it also says where to (`to`) and how far (`phase`);
// after the switch and until cleanup, `old` is the layout left.
struct ShardRecord {
    enum class Phase { none, drain, copy, replay };
    int k = 1;
    int hash = 1;  // member_shard as above; another function would be 2
    std::optional<int> to;
    std::optional<int> old;
    Phase phase = Phase::none;

    friend bool operator==(const ShardRecord&, const ShardRecord&) = default;
};

// The record from its hash fields; nullopt when it is malformed or names a
// hash function this build does not know (routing by a guess would lose
// members). Unknown fields (`at`) are ignored.
std::optional<ShardRecord> parse_shard_record(
    const std::map<std::string, std::string, std::less<>>& fields);

}  // namespace huitou
