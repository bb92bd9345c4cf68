// settlement.h — what a worker records and does after a provider call.
//
// The provider's answer to a send (workers/sender.h: SendResult) is an
// outcome, perhaps a time to try again, and whether the request may have
// reached the provider. Settling it decides the rest:
//   - retry: due again at the provider's time, or after the exponential
//     backoff with jitter (core/backoff.h) for this attempt;
//   - account_problem: the channel stops (the worker pauses) until the
//     provider's time, at least a second away, or for account_pause; the
//     job is due again when the pause ends;
//   - consent_lost: the opt-out is recorded (ConsentStore) besides the job;
//   - a retry whose request may have reached the provider is unsure from
//     now: the next attempt asks the provider first (Sender::verify) rather
//     than send again, and a crash never turns it into a second message.
// Every other outcome is recorded as it is. Whether a retry has attempts
// left, and so fails instead, is not decided here but in Redis
// (record_result.lua, scheduler.max_attempts), where the attempts are kept.
//
// Pure: the time and the jitter's random number are arguments; worker.cpp
// draws them, applies the settlement (records, pauses, writes the opt-out).
#pragma once

#include <chrono>
#include <optional>

#include "core/clock.h"
#include "core/provider_config.h"
#include "core/wire.h"

namespace huitou {

// The provider's answer as the settlement needs it.
struct ProviderAnswer {
    Outcome outcome = Outcome::sent;
    std::optional<SysSeconds> retry_at;  // the provider's own time to try again
    bool maybe_sent = false;             // the request may have reached it
};

struct Settlement {
    Outcome outcome = Outcome::sent;        // what to record (as answered)
    std::optional<SysSeconds> retry_at;     // when the job is due again, if it is
    std::optional<SysSeconds> pause_until;  // stop the channel until then
    bool record_opt_out = false;            // record the member's opt-out too
    std::optional<SysSeconds> unsure;       // the unsure mark to record, since when
};

// Settles `answer` to attempt `attempt` (>= 1) at `now`. `unit_random` in
// [0, 1) picks the backoff's jitter. `backoff` and `account_pause` are the
// provider's (core/provider_config.h).
Settlement settle(const ProviderAnswer& answer, int attempt, const BackoffConfig& backoff,
                  std::chrono::seconds account_pause, SysSeconds now, double unit_random);

}  // namespace huitou
