// member_eraser.h — a member's right to erasure: the member and everything
// huitou keeps about them in one store, gone.
//
// What goes: the member hash (with its contact history) and its index
// entries (core/member_write.h), the visit state and the win-back sets, the
// member's jobs — planned, in flight or finished — with their due, in-flight
// and open-jobs entries, the effect report's touches and send times of those
// jobs, the holdout records, and the consent ledger's entries about the
// member. What stays: the addresses on the opt-out lists (a later import of
// the same phone must not reach someone who refused: docs/security.md), the
// cumulative counts (no one is in them), event and Idempotency-Key records
// (expire by themselves: 30 days, 24 hours).
//
// The deletion is one script (scripts/erase_member.lua), guarded by the
// fields the indexes came from, so a concurrent write never leaves a stale
// index entry. What has no index by member is found first, outside the
// script, so Redis is never blocked by a scan: the jobs by SCAN over the
// keyspace (MATCH *:<member>:*, as `huitou jobs --member` does), the effect
// touches by ZSCAN, the ledger by XRANGE in batches, her records of day
// sheets (a layout-2 store, io/sheet_store.h) by HSCAN of her one sheet of
// each day still kept (max(job_retention, effect.keep_days)): two pipelined
// round trips. The cost therefore grows
// with the database's keys, the store's touches (effect.keep_days) and its
// ledger — about a second for a million keys: fine for an erasure, which is
// rare, and never on a hot path. A job created in the instant between the
// scan and the script escapes it; claim_due.lua cancels a greeting to a
// member who no longer exists (no consent flag), a service notice would go.
#pragma once

#include <optional>
#include <string>

#include "core/store_shards.h"
#include "io/consent_store.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

// What an erasure removed.
struct Erasure {
    long long jobs = 0;               // job hashes and day-sheet records deleted
    long long touches = 0;            // effect report entries removed
    long long consent_events = 0;     // ledger entries deleted
    long long consent_rewritten = 0;  // import entries that named others too: written again without
    bool visits = false;              // the member had a visit state
};

class MemberEraser {
  public:
    // `config` must outlive the eraser.
    MemberEraser(RedisConnection& redis, const Config& config);

    // Erases member `id` of `store` at `now` (which days' sheets are still
    // kept is counted from the store's local date); nullopt when there is no
    // such member. Tries again (reading afresh) when a concurrent write moved
    // the member's indexes between the read and the script; throws
    // std::runtime_error after a few such collisions, RedisError when Redis
    // is away, RedisReplyError when it refuses the script.
    std::optional<Erasure> erase(const std::string& store, const std::string& id, SysSeconds now);

  private:
    // (K > 1) The events that named only one of `m`'s addresses, recorded in
    // that address's own shard, not in `home`, hers: deleted. Returns how many.
    long long erase_address_events(const Shard& home, const Member& m);
    RedisConnection& redis_;
    const Config& config_;
    LuaScript erase_;
};

}  // namespace huitou
