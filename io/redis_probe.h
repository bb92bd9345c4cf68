// redis_probe.h — a Redis connection for the admin HTTP threads.
//
// /readyz and the queue gauges of /metrics ask Redis at scrape time, from
// the HTTP server's threads. A RedisConnection is for one thread, and the
// loop's own must not be touched from another, so the probe keeps a second
// one, guarded by a mutex, made on first use and dropped after an error (the
// next scrape connects again). Scrapes are seconds apart: one connection is
// plenty, and a short timeout keeps a scrape from hanging on a dead Redis.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "io/redis_connection.h"

namespace huitou {

class RedisProbe {
  public:
    explicit RedisProbe(RedisEndpoint endpoint,
                        std::chrono::milliseconds timeout = std::chrono::seconds(2));

    // True when Redis answers PING.
    bool reachable();

    // Runs `use` with the probe's connection, serialized with other callers.
    // Returns false (and drops the connection) when Redis failed.
    bool with_connection(const std::function<void(RedisConnection&)>& use);

  private:
    RedisEndpoint endpoint_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::optional<RedisConnection> redis_;
};

}  // namespace huitou
