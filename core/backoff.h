// backoff.h — when to try a transient failure again.
//
// Exponential backoff with jitter: attempt n waits about base × 2^(n−1),
// capped, and a random share of it ("equal jitter": half fixed, half random)
// so that the jobs of one outage do not all come back in the same second and
// hit the provider together again. The fixed half keeps a minimum distance, so
// a retry is never "retry now". Pure: the randomness is an argument (a number
// in [0, 1)), so a test fixes it; the worker draws it from its own generator.
// Attempts are bounded elsewhere (scheduler.max_attempts, record_result.lua).
#pragma once

#include <chrono>

#include "core/provider_config.h"

namespace huitou {

// The wait before attempt `attempt` + 1, after attempt `attempt` (>= 1) failed
// transiently: d = min(cap, base × 2^(attempt−1)), result in [d/2, d], at least
// one second. `unit_random` in [0, 1) picks the point (clamped into range).
std::chrono::seconds retry_backoff(int attempt, const BackoffConfig& policy, double unit_random);

}  // namespace huitou
