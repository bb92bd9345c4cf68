#include "core/reshard_plan.h"

namespace huitou {

namespace {

ReshardDecision refuse(std::string why) {
    return {ReshardStep::refuse, std::move(why), {}};
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ", ") + i;
    return out;
}

}  // namespace

ReshardDecision reshard_next(const ReshardFacts& f) {
    const ShardRecord& r = f.record;
    const std::string k = std::to_string(r.k);
    const std::string target = std::to_string(f.target);
    if (f.target < 1 || f.target > kMaxShards)
        return refuse("--shards must be 1 to " + std::to_string(kMaxShards) + ", not " + target);

    using Phase = ShardRecord::Phase;
    if (r.phase == Phase::drain || r.phase == Phase::copy) {
        // Before the switch: the old layout is whole, the new one a copy.
        const std::string under_way = r.to ? std::to_string(*r.to) : "?";
        if (!r.to || *r.to != f.target)
            return refuse("a reshard to " + under_way +
                          " shards is under way: run it with --shards " + under_way +
                          ", or stop it with --abort");
        if (f.abort) return {ReshardStep::abort, {}, {}};
        if (r.phase == Phase::drain) {
            if (!f.since)
                return refuse(
                    "the shard record says drain but not since when (no `at`): it was "
                    "written by hand? Stop it with --abort and run again");
            const SysSeconds ready = *f.since + f.lease + 2 * f.map_period;
            if (f.now < ready)
                return {ReshardStep::wait,
                        "draining: every scheduler replica sees the phase within its lease",
                        std::chrono::duration_cast<std::chrono::seconds>(ready - f.now)};
            if (f.in_flight)
                return {ReshardStep::wait,
                        "draining: jobs in flight wait for their results (at most the ack "
                        "timeout)",
                        std::chrono::seconds(5)};
            if (!f.webhooks_pending.empty())
                return {ReshardStep::wait,
                        "draining: webhook deliveries are owed (" + f.webhooks_pending +
                            "); a receiver that stays down holds the reshard: --abort, or "
                            "remove the endpoint",
                        std::chrono::seconds(5)};
            return {ReshardStep::begin_copy, {}, {}};
        }
        if (!f.copied) return {ReshardStep::copy, {}, {}};
        if (!f.differing) return {ReshardStep::verify, {}, {}};
        if (!f.differing->empty())
            return {ReshardStep::stop,
                    "the copy differs from the store in " + join(*f.differing) +
                        ": nothing was switched, the store is as it was (held). Stop it with "
                        "--abort, or find the cause and run again",
                    {}};
        return {ReshardStep::switch_over, {}, {}};
    }
    if (r.phase == Phase::replay) {
        // An abort replays what was parked into the old layout: `to` still
        // names the layout it deleted. Whatever was asked, it is finished.
        if (r.to && *r.to != r.k) return {ReshardStep::abort, {}, {}};
        // After the switch: the store is K2 shards.
        if (f.abort)
            return refuse("the store is " + k +
                          " shards already (switched): to go back, reshard to " +
                          (r.old ? std::to_string(*r.old) : std::string("the old count")) +
                          " once this one is done");
        if (r.k != f.target)
            return refuse("the store switched to " + k +
                          " shards and replays what arrived "
                          "meanwhile: run with --shards " +
                          k);
        return {ReshardStep::replay, {}, {}};
    }
    if (r.old) {
        // Switched and replayed; the old layout is left to clean.
        if (f.abort)
            return refuse("the store is " + k +
                          " shards already (switched): finish with --shards " + k +
                          ", then reshard back");
        if (r.k != f.target)
            return refuse("the last reshard (to " + k +
                          " shards) has not cleaned up the old "
                          "layout: run with --shards " +
                          k + " first");
        return {ReshardStep::clean, {}, {}};
    }
    if (f.abort) return refuse("no reshard of this store is under way: nothing to abort");
    if (r.k == f.target) return {ReshardStep::done, "the store is " + k + " shards", {}};
    if (f.job_layout == 1 && f.has_jobs)
        return refuse(
            "the store keeps its jobs as hashes (job layout 1): move it to day sheets "
            "first (scheduler.job_storage = \"sheets\": the scheduler moves it as it plans, "
            "docs/operations.md)");
    if (!f.target_keys.empty())
        return refuse("the layout of " + target + " shards holds keys already (" +
                      std::to_string(f.target_keys.size()) + ", first " + f.target_keys.front() +
                      "): left by a reshard stopped by hand? Delete them, then run again");
    return {ReshardStep::start, {}, {}};
}

std::string_view to_string(ReshardStep s) {
    switch (s) {
        case ReshardStep::refuse:
            return "refuse";
        case ReshardStep::start:
            return "start";
        case ReshardStep::wait:
            return "wait";
        case ReshardStep::begin_copy:
            return "begin_copy";
        case ReshardStep::copy:
            return "copy";
        case ReshardStep::verify:
            return "verify";
        case ReshardStep::stop:
            return "stop";
        case ReshardStep::switch_over:
            return "switch_over";
        case ReshardStep::replay:
            return "replay";
        case ReshardStep::clean:
            return "clean";
        case ReshardStep::abort:
            return "abort";
        case ReshardStep::done:
            return "done";
    }
    return "?";
}

}  // namespace huitou
