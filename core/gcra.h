// gcra.h — a rate limit as arithmetic: the Generic Cell Rate Algorithm.
//
// GCRA is a token bucket kept as one timestamp, the theoretical arrival time
// (TAT): when the next request would be due if requests came exactly at the
// rate. With emission interval T (period / rate) and burst tolerance
// tau = burst × T, a request of `cost` at `now` computes
//     new_tat = max(TAT, now) + cost × T
// and passes iff now >= new_tat − (tau + T); then new_tat is stored. If not,
// nothing is stored and it would pass `new_tat − (tau + T) − now` later. One
// number per key, no background refill: so scripts/gcra.lua runs exactly this
// inside Redis (with Redis TIME as `now`), and N workers sharing one provider
// account share one TAT and together stay within the limit.
//
// The guarantee, for GcraLimit::per(R, P, B): in every half-open window
// [t, t + P) the costs that pass sum to at most R + B; B + 1 pass at once from
// idle; over long runs at most R per P. (Proof: each pass raises the TAT by
// cost × T, so if costs C pass between t1 and t2 then C × T <= t2 − t1 + tau + T,
// i.e. C < P/T + B + 1 <= R + B + 1 for t2 − t1 < P; T is rounded up to a whole
// microsecond so P/T <= R.) Per-recipient limits ("N per minute/hour/day")
// are the same arithmetic on a per-number key: per(N − B, P, B) for any B in
// [0, N − 1] keeps every sliding window of length P at N or fewer; B = 0
// spaces them P/N apart, B = N − 1 lets N go at once and then one per P. A
// sliding cap is at least as strict as a calendar-day cap with the same N.
//
// Pure: time is an argument, nothing is stored here.
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
