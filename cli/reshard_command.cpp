#include "cli/reshard_command.h"

#include <cstdlib>
#include <ostream>
#include <thread>

#include "core/store_fingerprint.h"
#include "io/redis_keys.h"
#include "io/reshard.h"
#include "io/shard_map.h"
#include "io/store_fingerprint.h"

namespace huitou {

void ReshardCommand::add_to(CLI::App& app) {
    command_ = app.add_subcommand("reshard", "Cut a store into another number of shards");
    command_->add_option("--store", store_, "The store")->required();
    command_->add_option("--shards", shards_, "How many shards the store is to have (1-64)");
    command_->add_flag("--abort", abort_, "Stop a reshard before its switch: the store as it was");
    command_->add_flag("--fingerprint", fingerprint_,
                       "Print the fingerprint of the store's layout and write nothing");
    command_->add_option("--layout", layout_, "With --fingerprint: the layout of K shards");
    command_->add_option("--batch", batch_, "Keys or items a round trip (default 500)")
        ->check(CLI::Range(1, 100000));
}

std::optional<int> ReshardCommand::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (!command_ || !*command_) return std::nullopt;
    const StoreConfig* store = rt.config.find_store(store_);
    if (!store) {
        err << "huitou reshard: --store " << store_ << ": not a store of the config\n";
        return 2;
    }
    RedisConnection redis(rt.redis);
    if (fingerprint_) {
        const int k = layout_ > 0 ? layout_ : shard_count(redis, store->id);
        if (k > kMaxShards) {
            err << "huitou reshard: --layout " << k << ": at most " << kMaxShards << "\n";
            return 2;
        }
        out << "fingerprint of " << store->id << " over " << k << " shards\n";
        out << to_string(store_fingerprint(redis, store->id, k, static_cast<std::size_t>(batch_)));
        return 0;
    }
    if (shards_ == 0 && !abort_) {
        err << "huitou reshard: --shards K (1-" << kMaxShards << ") or --abort\n";
        return 2;
    }
    // The config says what the operator means the store to be; the command
    // carries it out (check-config warns while the two differ).
    if (shards_ != 0 && shards_ != store->shards) {
        err << "huitou reshard: --shards " << shards_
            << ": the config says shards = " << store->shards << " for " << store->id << " ("
            << rt.config.origin << "): set it to " << shards_ << " first, then run again\n";
        return 2;
    }
    ReshardOptions options;
    options.lease = std::chrono::ceil<std::chrono::seconds>(rt.config.scheduler.lease);
    options.batch = static_cast<std::size_t>(batch_);
    if (const char* stop = std::getenv("HUITOU_RESHARD_STOP_AT")) options.stop_at = stop;
    int target = shards_;
    if (target == 0) {  // --abort alone: the reshard under way, the record's `to`
        const auto to = redis.command({"HGET", keys::shard_record(store->id), "to"});
        to.expect_ok("HGET shard record to");
        target = to.is_nil() ? shard_count(redis, store->id) : std::atoi(to.str.c_str());
    }
    Reshard reshard(redis, rt.config, store->id, target, options);
    if (!redis.cluster())
        out << "note: one redis-server: every shard is on it, so " << target
            << " shards spread nothing (a cluster spreads them over masters)\n";
    const auto decision = reshard.run(
        [&] { return rt.clock->now(); },
        [](std::chrono::seconds s) { std::this_thread::sleep_for(s); }, abort_,
        [&](const std::string& line) { out << store->id << ": " << line << std::endl; });
    switch (decision.step) {
        case ReshardStep::done:
            out << store->id << ": done: " << decision.why << "\n";
            for (const auto& line : reshard.placement(target))
                out << "  " << line << "\n";
            return 0;
        case ReshardStep::abort:
            out << store->id << ": aborted: the store is as it was\n";
            return 0;
        case ReshardStep::refuse:
        case ReshardStep::stop:
            err << "huitou reshard: " << store->id << ": " << decision.why << "\n";
            return 3;
        default:
            out << store->id << ": " << decision.why << " (HUITOU_RESHARD_STOP_AT)\n";
            return 4;
    }
}

}  // namespace huitou
