#include "io/store_leases.h"

#include <unistd.h>

#include <random>

#include <spdlog/spdlog.h>

#include "io/redis_keys.h"

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
        bool ours = false;
        if (held_until_.contains(store)) {
            const auto reply = renew_.run(redis_, {key}, {token_, ms});
            reply.expect_ok("renew_lease");
            ours = reply.integer == 1;
            if (!ours) {
                held_until_.erase(store);
                spdlog::warn("lost the lease of store {} to another scheduler", store);
            }
        }
        if (!ours) {
            const auto reply = redis_.command({"SET", key, token_, "NX", "PX", ms});
            reply.expect_ok("SET lease");
            ours = reply.type == RedisReply::Type::status;  // "OK"; nil when held elsewhere
            if (ours) {
                taken.push_back(store);
                spdlog::info("took the lease of store {}", store);
            }
        }
        if (ours) held_until_.insert_or_assign(store, deadline);
    }
    last_refresh_ = started;
    return taken;
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
