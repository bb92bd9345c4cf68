// sender.h — a provider that can deliver one message: the seam for every
// SMS and WeChat backend.
//
// A Sender turns a job into a provider call and the provider's answer into
// an Outcome (wire.h): sent, retry later (and when), failed for good,
// consent lost, or an account problem. It never decides *whether* to send —
// the worker has already checked expiry, consent and the rate limits and
// begun the job in Redis (begin_send) — and it throws only when its own environment
// fails, which the worker turns into a retry that may have reached the
// provider. When a call may have reached the provider without an answer (a
// timeout), the result says so (`maybe_sent`), and before the job is tried
// again the worker asks `verify` — a provider that can look the message up
// says whether it went; one that cannot says "unknown" and the job is never
// sent again.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/wire.h"

namespace huitou {

struct SendResult {
    Outcome outcome = Outcome::sent;
    std::string provider_ref;            // the provider's message id
    std::string error;                   // why, when not sent
    std::optional<SysSeconds> retry_at;  // retry: when (empty: the worker's backoff decides)
    bool maybe_sent = false;             // retry: the request may have reached the provider
};

// What a provider knows about an earlier attempt that may have reached it.
struct Verification {
    enum class Verdict {
        not_sent,   // safe to send (again)
        sent,       // it went: `provider_ref`
        unknown,    // the provider cannot say: never send it again
        try_later,  // the provider could not be asked now
    };
    Verdict verdict = Verdict::unknown;
    std::string provider_ref;
    std::string detail;
};

class Sender {
  public:
    virtual ~Sender() = default;
    virtual std::string_view name() const = 0;
    virtual SendResult send(const JobMessage& job, SysSeconds now) = 0;
    // Did the attempt made at `since` (which may have reached the provider) go?
    virtual Verification verify(const JobMessage& /*job*/, SysSeconds /*since*/,
                                SysSeconds /*now*/) {
        return {Verification::Verdict::unknown, {}, "this provider cannot look a message up"};
    }
};

}  // namespace huitou
