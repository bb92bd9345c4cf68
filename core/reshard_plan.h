// reshard_plan.h — what `huitou reshard --store S --shards K2` may do next,
// from what it found (docs/architecture.md, "huitou reshard"; build step 6).
//
// The migration is a state machine written in Redis — the shard record's
// `phase` (none, drain, copy, replay), `to`, `at`, `old`, and the copy's
// place in hu:{S}:reshard — so that a run killed anywhere is resumed by the
// next run with the same target. The command reads the state and a few
// facts (how long the store has drained, whether anything is in flight,
// whether the copy's passes are done, the fingerprints, the parked events)
// and asks reshard_next what to do; it does that one thing and asks again.
// Every refusal is decided here, with the words the operator reads, so the
// rules are tested apart from Redis.
//
//   none ──start──▶ drain ──(lease + 2 map periods, nothing in flight)──▶ copy
//   copy ──(passes done)──▶ verify ──(fingerprints equal)──▶ switch
//   switch: k = K2, old = K1, phase = replay  (one write: the moment)
//   replay ──(parked list empty: end_replay.lua)──▶ none with `old` ──▶ clean
//   --abort: before the switch, the new layout deleted, then a replay into
//            the old one (phase replay with `to` ≠ `k`: any run finishes
//            it), back to none; after the switch, a reshard back is the way.
//
// Pure: the io shell (io/reshard.h, to come) reads the facts and writes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/store_shards.h"

namespace huitou {

// What the command found.
struct ReshardFacts {
    ShardRecord record;               // hu:{S}:shards as read
    std::optional<SysSeconds> since;  // the record's `at`: when this reshard began
    int target = 0;                   // --shards K2
    bool abort = false;               // --abort
    SysSeconds now{};
    // The store's job layout (hu:{S}:jobs:v): 1 hashes, 2 day sheets.
    int job_layout = 1;
    // Whether the store holds any job or record (layout 1 with none moves freely).
    bool has_jobs = false;
    // The target layout's keys of kPerShardFamilies found (read only when
    // phase is none: a layout being copied into is not empty).
    std::vector<std::string> target_keys;
    // Drain: the scheduler's lease, and how often a process reads the record.
    std::chrono::seconds lease{30};
    std::chrono::seconds map_period{5};
    bool in_flight = true;  // any old shard's `inflight` not empty
    // Webhook deliveries still owed by the old layout (events not taken in,
    // queued or to replay): what, for the operator; empty when none. The
    // copy does not move queues yet, so the drain waits them out.
    std::string webhooks_pending;
    bool copied = false;  // every pass of hu:{S}:reshard is done
    // The fingerprints compared: nullopt not yet, else the families that differ.
    std::optional<std::vector<std::string>> differing;
    long long parked = 0;  // events waiting in hu:{S}:reshard:parked
};

enum class ReshardStep {
    refuse,       // nothing to do: `why` says what is wrong and what to run
    start,        // fence `drain` on the old shards, then the record: to, phase drain, at
    wait,         // draining: run again after `wait_for`
    begin_copy,   // the record's phase `copy`, then every old shard's fence `copy`
    copy,         // the next batch of the passes (hu:{S}:reshard says where)
    verify,       // compute both fingerprints
    stop,         // the fingerprints differ: `why` names the families
    switch_over,  // k = K2, old = K1, phase = replay: one HSET
    replay,       // apply the parked events, then end_replay.lua
    clean,        // unlink the old layout, its fences last with a day's expiry
    abort,        // delete the new layout and the fences, HDEL to/phase/at
    done,         // the store is K2 shards, cleaned: nothing to do
};

struct ReshardDecision {
    ReshardStep step = ReshardStep::refuse;
    std::string why;                   // for refuse, stop, wait: what the operator reads
    std::chrono::seconds wait_for{0};  // for wait
};

// What to do next. Precondition: none (every input is checked here).
ReshardDecision reshard_next(const ReshardFacts& facts);

std::string_view to_string(ReshardStep s);

}  // namespace huitou
