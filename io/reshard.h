// reshard.h — `huitou reshard --store S --shards K2`: a store's data copied
// from K1 shards into K2, proved by a fingerprint, switched in one write,
// the old layout cleaned up (docs/architecture.md, "huitou reshard").
//
// The decisions are core/reshard_plan.h's (`reshard_next`); this is the io
// shell that reads the facts it needs and does the one step it names:
//   start       the new layout's fences deleted, `drain` on the old shards,
//               then the record: to, phase drain, at
//   begin_copy  the record's phase `copy`, then the old shards' `copy` fences
//   copy        one batch of the passes, its place saved in hu:{S}:reshard:
//                 sheets   a due day at a time: the records of every old
//                          sheet put in the new shard and sheet of their
//                          member, each new shard's `n` from its records,
//                          notes routed, the day's counts in new shard 0,
//                          `sheetdue` from the old sheets' earliest look
//                 keys     a SCAN page of an old shard at a time: members,
//                          visits, jobs and events by DUMP/RESTORE with their
//                          expiry (a claimed job's `sheet` rewritten to its
//                          new sheet); the member indexes, segment indexes,
//                          win-back sets, holdouts, welcomes, job sets,
//                          approvals, open-jobs index and care entries item
//                          by item to the shard of the item's member or job;
//                          `days:` to every new shard
//                 rebuild  per new shard, each begun by its DEL: `counts`,
//                          `wb:counts` (totals in new shard 0: readers sum),
//                          the segment generation and counts, the opt-out
//                          sets (the union, with the pending copies of
//                          optout:todo settled as the scheduler's repair
//                          would), `fx:forgot`, `wh:on` and each endpoint's
//                          cursor, and the consent ledger (the old ledgers
//                          merged by id, each entry to the shard of its
//                          member, its members, or its address)
//   verify      the fingerprints of both layouts (io/store_fingerprint.h)
//   switch      k = K2, old = K1, phase = replay, optout:todo dropped: one MULTI
//   replay      io/parked_events.h, then end_replay.lua
//   clean       every old key unlinked, the old fences last with a day's expiry
//   abort       (before the switch) the new layout deleted, the fences and
//               the record's to/phase/at removed
// Every batch is idempotent (RESTORE REPLACE, HSET, ZADD, SADD of the same
// values; a day and a rebuilt key begin with their DEL), so a run killed
// anywhere is resumed by the next run from the saved place. One run at a
// time: hu:{S}:reshard:lock, SET NX PX 30 s, renewed every step.
// Not moved (said by the command): the webhook streams' history, so
// `huitou webhooks replay --since` reaches only events after the reshard;
// an endpoint's delivery log (wh:log, capped). Not done yet: deliveries
// still queued — the drain waits until every endpoint has taken in and
// delivered its events (a receiver that is down holds the reshard: --abort).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/reshard_plan.h"
#include "core/store_fingerprint.h"
#include "io/redis_connection.h"

namespace huitou {

struct Config;

struct ReshardOptions {
    std::chrono::seconds lease{15};      // the scheduler's lease: the drain waits it out
    std::chrono::seconds map_period{5};  // how long a process keeps a shard record
    std::size_t batch = 500;             // keys (SCAN COUNT) or items a round trip
    // Stop after this step or pass (tests: HUITOU_RESHARD_STOP_AT): a step's
    // name ("start", "begin_copy", "verify", "switch_over", "replay", "clean")
    // or "copy:<pass>" after the first batch of that pass ("copy:sheets",
    // "copy:keys", "copy:rebuild").
    std::string stop_at;
};

// What a run said, step by step, for the operator.
using ReshardReport = std::function<void(const std::string&)>;

class Reshard {
  public:
    // `config` must outlive this (the stores' zones for the replay).
    Reshard(RedisConnection& redis, const Config& config, std::string store, int target,
            ReshardOptions options = {});

    // Reads what reshard_next needs. `abort`: the operator asked to stop it.
    ReshardFacts facts(SysSeconds now, bool abort);

    // Drives the reshard until it is done, refused, stopped, or at
    // options.stop_at. `sleep` waits (a test's advances its clock).
    // Returns the last decision (done, refuse, stop; for stop_at, the step
    // it stopped after). Throws RedisError (rerun resumes), RedisReplyError
    // and std::runtime_error (data it cannot copy, named).
    ReshardDecision run(const std::function<SysSeconds()>& now,
                        const std::function<void(std::chrono::seconds)>& sleep, bool abort,
                        const ReshardReport& report);

    // The steps, one each (run calls them as reshard_next says).
    void start(SysSeconds now);
    void begin_copy();
    // One batch of the copy; returns the pass it worked on ("" when all are done).
    std::string copy_batch();
    std::vector<std::string> verify();
    void switch_over();
    void clean();
    void abort(SysSeconds now);

    // What the operator reads about where the shards are: "toyland.3.0 slot
    // 7226 on 127.0.0.1:7001", one line a new shard.
    std::vector<std::string> placement(int k);

  private:
    void take_lock();
    void renew_lock();
    void release_lock();

    RedisConnection& redis_;
    const Config& config_;
    std::string store_;
    int target_;
    ReshardOptions options_;
    std::string lock_token_;
    std::optional<std::vector<std::string>> differing_;
    std::optional<std::vector<std::string>> days_;  // the sheets pass's due days, read once a run
};

}  // namespace huitou
