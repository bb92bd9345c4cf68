// gcra.h — a rate limit as arithmetic: the Generic Cell Rate Algorithm.
//
// One timestamp per key, the theoretical arrival time (TAT). With emission
// interval T = period / rate and tolerance tau = burst × T, a request of
// `cost` at `now` sets new_tat = max(TAT, now) + cost × T and passes iff
// now >= new_tat − (tau + T). No refill timer, one number to store: so
// scripts/gcra.lua runs the same arithmetic inside Redis with Redis TIME as
// `now`, and N workers on one provider account share one TAT.
// Guarantee, for GcraLimit::per(R, P, B): in every half-open window
// [t, t + P) the costs that pass sum to at most R + B; B + 1 pass at once
// from idle; in the long run at most R per P (proof in gcra.cpp). A
// per-recipient cap "at most N in any sliding P" (a minute, an hour, a day)
// is per(N − B, P, B) on a per-number key, any B in [0, N − 1].
// Pure: time is an argument; storing the TAT is the caller's business.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace huitou {

// Instants in the limiter's clock: Unix microseconds, as Redis TIME gives them.
using GcraTime = std::chrono::sys_time<std::chrono::microseconds>;

struct GcraLimit {
    std::chrono::microseconds emission_interval{1};  // T: the time one unit of cost uses up
    std::chrono::microseconds burst_tolerance{0};    // tau: how far the TAT may run ahead

    // `rate` units per `period`, and `burst` more at once from idle.
    // T = ceil(period / rate), so rounding never lets more than `rate` through.
    // Preconditions (asserted): rate >= 1, period > 0, burst >= 0.
    static GcraLimit per(std::int64_t rate, std::chrono::microseconds period, std::int64_t burst);
};

enum class GcraVerdict {
    allowed,  // pass now; store new_tat
    limited,  // not now; retry_after tells when
    never,    // cost × T exceeds tau + T: this request can never pass under this limit
};

struct GcraDecision {
    GcraVerdict verdict = GcraVerdict::never;
    // allowed: the TAT to store, and how long to keep it — once that has
    // passed, a stored TAT is no different from none (the PEXPIRE).
    std::optional<GcraTime> new_tat;
    std::chrono::microseconds expire_after{0};
    // limited: the shortest wait after which this same request would pass,
    // if nothing else passes in between. Exact to the microsecond.
    std::chrono::microseconds retry_after{0};
};

// Decide one request of `cost` units at `now`, given the stored TAT (none if
// the key is absent). A TAT in the past counts as none. Precondition
// (asserted): cost >= 1.
GcraDecision gcra_decide(const GcraLimit& limit, std::optional<GcraTime> tat, GcraTime now,
                         std::int64_t cost = 1);

}  // namespace huitou
