#include "io/store_leases.h"

#include <unistd.h>

#include <random>

#include <spdlog/spdlog.h>

#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

std::string random_token() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned long long> any;
    char host[64] = {};
    gethostname(host, sizeof host - 1);
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s:%d:%016llx", host, static_cast<int>(getpid()), any(rd));
    return buf;
}

}  // namespace

StoreLeases::StoreLeases(RedisConnection& redis, std::vector<std::string> stores,
                         std::chrono::milliseconds lease)
    : redis_(redis), stores_(std::move(stores)), lease_(lease), token_(random_token()) {}

std::vector<std::string> StoreLeases::refresh(bool force) {
    const auto started = std::chrono::steady_clock::now();
    if (!force && started - last_refresh_ < lease_ / 3) return {};
    // Counted from before the request: Redis starts the lease later than this.
    // The margin covers clock rate differences between this host and Redis.
    const auto deadline = started + lease_ - lease_ / 10;
    const std::string ms = std::to_string(lease_.count());
    std::vector<std::string> taken;
    for (const auto& store : stores_) {
        const auto key = keys::lease(store);
        const auto record_key = keys::shard_record(store);
        bool ours = false;
        RedisReply record;
        if (held_until_.contains(store)) {
            const auto reply = renew_.run(redis_, {key, record_key}, {token_, ms});
            reply.expect_ok("renew_lease");
            if (reply.elements.size() != 2)
                throw RedisReplyError("renew_lease", "unexpected reply");
            ours = reply.elements[0].integer == 1;
            record = reply.elements[1];
            if (!ours) {
                held_until_.erase(store);
                spdlog::warn("lost the lease of store {} to another scheduler", store);
            }
        }
        if (!ours) {
            const auto replies =
                redis_.pipeline({{"SET", key, token_, "NX", "PX", ms}, {"HGETALL", record_key}});
            replies.at(0).expect_ok("SET lease");
            replies.at(1).expect_ok("HGETALL " + record_key);
            // "OK"; nil when held elsewhere
            ours = replies[0].type == RedisReply::Type::status;
            record = replies[1];
            if (ours) {
                taken.push_back(store);
                spdlog::info("took the lease of store {}", store);
            }
        }
        if (!ours) continue;
        held_until_.insert_or_assign(store, deadline);
        if (note_record(store, record) && (taken.empty() || taken.back() != store))
            taken.push_back(store);
    }
    last_refresh_ = started;
    return taken;
}

bool StoreLeases::note_record(const std::string& store, const RedisReply& fields) {
    std::map<std::string, std::string, std::less<>> map;
    for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2)
        map.insert_or_assign(fields.elements[i].str, fields.elements[i + 1].str);
    const auto record = parse_shard_record(map);
    if (!record) {
        // The routing refuses it too (io/shard_map.h); the leases go on.
        spdlog::error("store {}: its shard record {} is not one this build can read: {}", store,
                      keys::shard_record(store), "the store's steps are refused until it is");
        return false;
    }
    const auto it = records_.find(store);
    const bool known = it != records_.end();
    const bool new_k = known && it->second.k != record->k;
    if (new_k) {
        spdlog::info("store {} now has {} shards (it had {}): its day is planned again", store,
                     record->k, it->second.k);
        forget_shards(redis_, store);
    }
    const auto holding = [](const ShardRecord& r) {
        return r.phase == ShardRecord::Phase::drain || r.phase == ShardRecord::Phase::copy;
    };
    if (holding(*record) && (!known || !holding(it->second) || it->second.phase != record->phase))
        spdlog::info("store {}: a reshard is {} it: its planning and sending wait", store,
                     record->phase == ShardRecord::Phase::drain ? "draining" : "copying");
    else if (known && holding(it->second) && !holding(*record))
        spdlog::info("store {}: the reshard holds it no more", store);
    records_.insert_or_assign(store, *record);
    return new_k;
}

bool StoreLeases::resharding(const std::string& store) const {
    const auto it = records_.find(store);
    // Replay too: the new layout is open, but an opt-out parked during the
    // copy is not in it until replayed — nothing is claimed before.
    return it != records_.end() && it->second.phase != ShardRecord::Phase::none;
}

bool StoreLeases::holds(const std::string& store) const {
    const auto it = held_until_.find(store);
    return it != held_until_.end() && std::chrono::steady_clock::now() < it->second;
}

void StoreLeases::release_all() {
    for (auto it = held_until_.begin(); it != held_until_.end(); it = held_until_.erase(it)) {
        release_.run(redis_, {keys::lease(it->first)}, {token_}).expect_ok("release_lease");
    }
}

}  // namespace huitou
