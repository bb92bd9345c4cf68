// api_rate_limit.h — how fast one API key may call the admin server.
//
// [admin] api_requests_per_second per key, with api_burst more at once from
// idle: the GCRA arithmetic of core/gcra.h, one TAT per key, kept in memory
// in the scheduler process — not in Redis — because the limit protects this
// process (its threads and its Redis connection) from one busy program, and
// a Redis round trip per request would cost more than most requests. With
// several scheduler replicas behind a balancer each replica limits on its
// own (N replicas let N times through); say so to whoever sizes the limit.
// The admin token is not limited: operators' scripts are trusted. Time is an
// argument (steady time as a GcraTime), so tests move a fake clock. Keys
// that went quiet are dropped when the map grows (their TAT is in the past,
// which is the same as none).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/gcra.h"

namespace huitou {

class ApiRateLimit {
  public:
    // `per_second` >= 1 requests a second, `burst` >= 0 more at once.
    ApiRateLimit(long long per_second, long long burst);

    // Admits one request of `key` at `now`; nullopt when it may pass, else
    // how long to wait. Thread-safe.
    std::optional<std::chrono::microseconds> admit(const std::string& key, GcraTime now);

    long long per_second() const { return per_second_; }

  private:
    long long per_second_;
    GcraLimit limit_;
    std::mutex mutex_;
    std::map<std::string, GcraTime> tat_;
};

}  // namespace huitou
