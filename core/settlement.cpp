#include "core/settlement.h"

#include <algorithm>

#include "core/backoff.h"

namespace huitou {

Settlement settle(const ProviderAnswer& answer, int attempt, const BackoffConfig& backoff,
                  std::chrono::seconds account_pause, SysSeconds now, double unit_random) {
    Settlement s;
    s.outcome = answer.outcome;
    s.retry_at = answer.retry_at;
    switch (answer.outcome) {
        case Outcome::retry:
            if (!s.retry_at) s.retry_at = now + retry_backoff(attempt, backoff, unit_random);
            if (answer.maybe_sent) s.unsure = now;
            break;
        case Outcome::account_problem:
            // A provider's time in the past (or now) would be no pause at all.
            s.pause_until = answer.retry_at
                                ? std::max(*answer.retry_at, now + std::chrono::seconds(1))
                                : now + account_pause;
            s.retry_at = s.pause_until;
            break;
        case Outcome::consent_lost:
            s.record_opt_out = true;
            break;
        default:
            break;
    }
    return s;
}

}  // namespace huitou
