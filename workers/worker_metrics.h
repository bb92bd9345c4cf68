// worker_metrics.h — what a worker counts for Prometheus.
//
// The worker owns one of these (and through it the process's registry); its
// loop calls the verbs below, and the worker's admin listener
// (workers/worker_admin.h) renders the registry at GET /metrics.
// Labels are bounded: store (checked against the config by the scheduler
// before a job is planned), kind, channel and outcome (enums), provider (the
// configured one).
//
// Provider latency is the time of Sender::send — the provider's HTTP call or
// the outbox write — in real (steady) time, even under a simulated clock:
// it measures the provider, not the calendar.
#pragma once

#include <chrono>
#include <string_view>

#include "core/metrics.h"
#include "core/wire.h"

namespace huitou {

class WorkerMetrics {
  public:
    WorkerMetrics();

    void received();
    // The outcome reported for `job` (sent, failed, retry, declined, ...).
    void reported(const JobMessage& job, Outcome outcome);
    void provider_call(std::string_view provider, Channel channel,
                       std::chrono::steady_clock::duration took);
    // A job waited for the provider account's rate.
    void throttled(Channel channel);
    // The account's rate was asked (one gcra.lua call): many more asks than
    // sends means many workers waiting on one account (core/rate_wait.h).
    void rate_asked(Channel channel);
    // A decision came too late to use (older than rate_guard_ms at the
    // call) and was asked again: the host is too busy for its workers.
    void rate_decision_late(Channel channel);
    // A job hit a recipient's cap and was retried in the next window.
    void capped(Channel channel);
    void dropped();
    void redis_reconnected();

    MetricsRegistry& registry() { return registry_; }

  private:
    MetricsRegistry registry_;
    Counter received_, results_, throttled_, rate_asks_, late_decisions_, capped_, dropped_,
        reconnects_;
    Histogram latency_;
};

}  // namespace huitou
