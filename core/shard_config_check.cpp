#include "core/shard_config_check.h"

namespace huitou {

namespace {

std::string shards_text(int n) {
    return std::to_string(n) + (n == 1 ? " shard" : " shards");
}

std::string reshard_command(const std::string& store, int k) {
    return "`huitou reshard --store " + store + " --shards " + std::to_string(k) + "`";
}

std::string_view phase_name(ShardRecord::Phase p) {
    switch (p) {
        case ShardRecord::Phase::drain:
            return "drain";
        case ShardRecord::Phase::copy:
            return "copy";
        case ShardRecord::Phase::replay:
            return "replay";
        case ShardRecord::Phase::none:
            break;
    }
    return "none";
}

}  // namespace

std::optional<std::string> shard_config_warning(const StoreConfig& store, const ShardRecord& record,
                                                std::string_view record_key) {
    using Phase = ShardRecord::Phase;
    const std::string prefix = "store " + store.id + ": ";
    const std::string where =
        "(" + std::string(record_key) + ", phase " + std::string(phase_name(record.phase));
    // Where the store is going; the config is compared with that.
    const auto config_note = [&](int k) {
        return store.shards == k ? std::string() : "; the config says " + shards_text(store.shards);
    };
    const std::string held = ": the scheduler plans and claims nothing of the store until it ends";

    if (record.phase == Phase::drain || record.phase == Phase::copy) {
        if (!record.to)
            return prefix + "a reshard is under way " + where +
                   ") but the record does not say to how many shards (written by hand?)" + held;
        return prefix + "a reshard from " + std::to_string(record.k) + " to " +
               shards_text(*record.to) + " is under way " + where + ")" + held + "; run " +
               reshard_command(store.id, *record.to) +
               " to carry it on, or the same with --abort " + "to stop it" +
               config_note(*record.to);
    }
    if (record.phase == Phase::replay) {
        const std::string from = record.old ? "from " + std::to_string(*record.old) + " " : "";
        return prefix + "a reshard " + from + "to " + shards_text(record.k) +
               " has switched and replays what arrived meanwhile " + where + ")" + held + "; run " +
               reshard_command(store.id, record.k) + " to finish it" + config_note(record.k);
    }
    if (record.old) {
        return prefix + "the reshard from " + std::to_string(*record.old) + " to " +
               shards_text(record.k) + " has not cleaned up the old layout (" +
               std::string(record_key) + " says old = " + std::to_string(*record.old) + "); run " +
               reshard_command(store.id, record.k) + " to finish it" + config_note(record.k);
    }
    if (record.k != store.shards) {
        return prefix + "the config says " + shards_text(store.shards) + ", Redis " +
               std::to_string(record.k) + " (" + std::string(record_key) + "): run " +
               reshard_command(store.id, store.shards) +
               ", or set shards = " + std::to_string(record.k) + " in the config";
    }
    return std::nullopt;
}

}  // namespace huitou
