#include "io/redis_probe.h"

namespace huitou {

RedisProbe::RedisProbe(RedisEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

bool RedisProbe::with_connection(const std::function<void(RedisConnection&)>& use) {
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_.emplace(endpoint_, timeout_);
        use(*redis_);
        return true;
    } catch (const RedisError&) {
        redis_.reset();
        return false;
    }
}

bool RedisProbe::reachable() {
    bool pong = false;
    const bool ok = with_connection([&](RedisConnection& r) {
        const auto reply = r.command({"PING"});
        pong = !reply.is_error();
    });
    return ok && pong;
}

}  // namespace huitou
