#include "core/gcra.h"

#include <algorithm>
#include <cassert>

namespace huitou {

// Why R + B per window of length P. Each pass of cost c raises the TAT by
// c × T, and a pass at t needs new_tat <= t + tau + T. If passes of total
// cost C happen at t1 <= ... <= t2, the TAT after the last is at least
// t1 + C × T, so C × T <= t2 − t1 + tau + T, i.e. C < (t2 − t1)/T + B + 1.
// For t2 − t1 < P and T >= P/R (rounded up below): C < R + B + 1, so
// C <= R + B. The same inequality gives the per-recipient forms: with
// per(N − B, P, B) a window of length P holds at most N.
// Choosing B for a per-recipient cap: B = 0 spaces messages P/N apart;
// B = N − 1 lets N go at once and then one per P. A sliding cap is at least
// as strict as a calendar-day cap with the same N, so it also keeps within
// providers' "N a day" limits.

GcraLimit GcraLimit::per(std::int64_t rate, std::chrono::microseconds period, std::int64_t burst) {
    assert(rate >= 1 && period.count() > 0 && burst >= 0);
    // Round the interval up: a shorter interval would let more than `rate`
    // through in a period and break the guarantee in the header.
    const std::chrono::microseconds interval{(period.count() + rate - 1) / rate};
    return GcraLimit{interval, interval * burst};
}

GcraDecision gcra_decide(const GcraLimit& limit, std::optional<GcraTime> tat, GcraTime now,
                         std::int64_t cost) {
    assert(cost >= 1);
    const auto interval = limit.emission_interval;
    const auto tolerance = limit.burst_tolerance;
    const auto increment = interval * cost;

    GcraDecision d;
    if (increment > tolerance + interval) {
        d.verdict = GcraVerdict::never;
        return d;
    }
    const GcraTime base = std::max(tat.value_or(now), now);
    const GcraTime new_tat = base + increment;
    const GcraTime allow_at = new_tat - (tolerance + interval);
    if (now < allow_at) {
        d.verdict = GcraVerdict::limited;
        d.retry_after = allow_at - now;
        return d;
    }
    d.verdict = GcraVerdict::allowed;
    d.new_tat = new_tat;
    d.expire_after = new_tat - now;
    return d;
}

}  // namespace huitou
