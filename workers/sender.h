// sender.h — a provider that can deliver one message: the seam for every
// SMS and WeChat backend.
//
// A Sender turns a job into a provider call and the provider's answer into
// an Outcome (wire.h): sent, retry later (and when), failed for good,
// consent lost, or an account problem. It never decides *whether* to send —
// the worker has already checked expiry and claimed the job in Redis — and
// it throws only when its own environment fails (the outbox file cannot be
// written), which the worker turns into a retry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/wire.h"

namespace huitou {

struct SendResult {
    Outcome outcome = Outcome::sent;
    std::string provider_ref;  // the provider's message id
    std::string error;         // why, when not sent
    std::optional<SysSeconds> retry_at;
};

class Sender {
  public:
    virtual ~Sender() = default;
    virtual std::string_view name() const = 0;
    virtual SendResult send(const JobMessage& job, SysSeconds now) = 0;
};

}  // namespace huitou
