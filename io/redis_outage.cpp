#include "io/redis_outage.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "io/program_setup.h"

namespace huitou {

RedisOutage::RedisOutage(std::chrono::milliseconds first_wait, std::chrono::milliseconds max_wait)
    : first_wait_(first_wait), max_wait_(max_wait) {}

std::chrono::milliseconds RedisOutage::next_wait(std::chrono::milliseconds previous,
                                                 std::chrono::milliseconds first,
                                                 std::chrono::milliseconds max) {
    if (previous.count() <= 0) return std::min(first, max);
    return std::min(previous * 2, max);
}

void RedisOutage::wait() {
    wait_ = next_wait(wait_, first_wait_, max_wait_);
    // In short steps, so SIGTERM during an outage is answered at once.
    const auto until = std::chrono::steady_clock::now() + wait_;
    while (!stop_requested()) {
        const auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) break;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
}

void RedisOutage::recover(RedisConnection& redis, const RedisError& error) {
    if (!since_) {
        since_ = std::chrono::steady_clock::now();
        ++outages_;
        spdlog::error("Redis is away ({}); retrying, backing off up to {} s", error.what(),
                      max_wait_.count() / 1000);
    } else {
        spdlog::warn("Redis still away ({}); next try in {} ms", error.what(),
                     next_wait(wait_, first_wait_, max_wait_).count());
    }
    wait();
    if (stop_requested()) return;
    try {
        redis.reconnect();
    } catch (const RedisError&) {
        // Said above; the loop's next pass fails again and comes back here.
    }
}

void RedisOutage::reached() {
    if (since_) {
        const auto lasted = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - *since_);
        spdlog::info("Redis is back after {} s", lasted.count());
    }
    since_.reset();
    wait_ = std::chrono::milliseconds(0);
}

std::optional<RedisConnection> RedisOutage::connect_when_up(const RedisEndpoint& endpoint) {
    RedisOutage outage;
    while (!stop_requested()) {
        try {
            RedisConnection redis(endpoint);
            outage.reached();
            return redis;
        } catch (const RedisError& e) {
            if (!outage.ongoing()) {
                outage.since_ = std::chrono::steady_clock::now();
                spdlog::error("Redis {} is not reachable ({}); waiting for it", endpoint.describe(),
                              e.what());
            }
            outage.wait();
        }
    }
    return std::nullopt;
}

}  // namespace huitou
