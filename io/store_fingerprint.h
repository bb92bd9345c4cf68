// store_fingerprint.h — a store's data over K shards, summed into one number
// a family, so that two layouts of it can be compared without holding either
// (docs/architecture.md, "A store over K shards", "The fingerprint").
//
// `huitou reshard` copies a store from K1 shards to K2 and switches only when
// the fingerprints of the two layouts are equal. K is an argument, not read
// from hu:{S}:shards: during a reshard both layouts exist and the record
// names one. Each shard is read in turn with SCAN MATCH hu:{T}:* and
// HSCAN/ZSCAN/SSCAN/XRANGE (never KEYS): a store may hold millions of keys.
// On a cluster, a shard's keys share one slot and the connection routes SCAN
// by the tag in its pattern (io/redis_cluster.h), as the job listing does.
//
// An item is named without its shard's tag, so the same data over K = 1 and
// K = 3 gives the same sums (core/store_fingerprint.h: the hash and the sum).
// The families and their items:
//   m, v            (m:<id> / v:<id>, its fields sorted by name, each value)
//   wb              (wb:<lapse|returned|lapsed|reminded|churned>, member, score)
//   holdout         (holdout:<kind>, member, group)
//   welcomed        (welcomed, field, value)
//   job             (job:<id>, its fields sorted — a claimed record's `sheet`
//                   "<day>:<i>" cut to "<day>", the copy moves it to another
//                   sheet — and its PEXPIRETIME in ms, or -1)
//   due, inflight, rcpt, fx:touch   (set, job id, score)
//   fx:sent         (fx:sent, job id, value)
//   sheet           (<day>, record field, record value), whatever sheet holds it
//   notes           (notes:<day>, record field, words)
//   event           (event:<id>, value)
//   consent:log     (the id's milliseconds, the fields sorted); an import's
//                   entry naming several members is one item per member, as a
//                   store over K shards writes one entry per shard
//   counts, wb:counts, sheets   each (key, field, total over the shards), a
//                   total of 0 left out; `sheets:<day>`'s `n` left out: each
//                   shard's own sheet count
//   optout, days, approved      the union over the shards (each shard holds a
//                   copy, or `by`/`at` are written to every shard): each item once
//   wh:q            (wh:q:<endpoint>, member, the queued events' ids as a
//                   receiver sees them: the entry's `id` field when a copy set
//                   one, else "<tag>:<stream id>")
//   open            (open:<t>, "<channel>:<address>", one job id) for each id
//                   of the field: an address with jobs in several shards (two
//                   members sharing a phone) has the field in each, each
//                   listing its own shard's jobs
//   care            (care:<date>, member, entry), the entries only (not
//                   "~built", "~pushed"): with K = 1 the store's list, built
//                   and marked there; with K > 1 each shard's entries, marked
//                   there (the store's {S} list stays as built, no shard's:
//                   not read)
//   fx:forgot       the earliest of the shards' values (each shard holds
//                   one; a forget cut between its SETs leaves one behind):
//                   what a reshard writes into every new shard, forgetting
//                   again from there being harmless
//   wh:on           the union of the shards' values: a shard missing its
//                   `wh:on` is not seen
// Left out, because they are derived from the members and rebuilt (a reshard
// computes them again; scripts/erase_member.lua leaves an erased member in the
// segment counts until the next nightly run): the member indexes (bd:, lbd:,
// cbd:, clbd:, exp:, pts:, nm:, p4:, o2:), `seg:<s>` and `seg`'s counts. Left
// out, because they follow from what is summed here: `sheetdue` (each sheet's
// earliest planned record), the webhook streams, cursors, due sets and tries
// (a reshard rebuilds them; the queues carry what is owed). Not covered yet:
// `wh:replay:*`, and `wh:log:*` (a capped diagnostic log, not moved).
// An endpoint's events after its cursor, not taken into a queue yet, are not
// counted: a reshard takes them in as it copies, so it must run the intake on
// the old layout first (or this must count them; not done).
// Memory: the summed counts and, for the union families, one 64-bit hash an
// item (an opted-out address: ~40 bytes with the set's overhead), nothing
// else across keys. PEXPIRETIME needs Redis 7.0, which huitou already needs
// (EXPIRETIME in scripts/cancel_record.lua).
#pragma once

#include <string_view>

#include "core/store_fingerprint.h"
#include "io/redis_connection.h"

namespace huitou {

// The families of a fingerprint, in its order.
const std::vector<std::string>& fingerprint_families();

// The fingerprint of `store`'s layout over `k` shards (whether or not the
// record says K = k). Reads every shard's keys, `batch` a round trip; writes
// nothing. Throws RedisError, and RedisReplyError for a key of the wrong type
// or a count that is not a number (damaged data). Precondition: 1 ≤ k ≤ kMaxShards.
Fingerprint store_fingerprint(RedisConnection& redis, std::string_view store, int k,
                              std::size_t batch = 1000);

}  // namespace huitou
