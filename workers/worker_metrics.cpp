#include "workers/worker_metrics.h"

namespace huitou {

WorkerMetrics::WorkerMetrics()
    : received_(registry_.counter("huitou_worker_messages_received_total",
                                  "Job messages received from the scheduler.")),
      results_(registry_.counter("huitou_worker_results_total",
                                 "Jobs this worker finished, by outcome (sent, failed, retry, "
                                 "declined, expired, unknown, ...).",
                                 {"store", "kind", "channel", "outcome"})),
      throttled_(registry_.counter("huitou_worker_throttled_total",
                                   "Jobs that waited for the provider account's rate limit.",
                                   {"channel"})),
      rate_asks_(registry_.counter(
          "huitou_worker_rate_asks_total",
          "Times the provider account's rate was asked (each a gcra.lua call in Redis).",
          {"channel"})),
      late_decisions_(registry_.counter(
          "huitou_worker_rate_decisions_late_total",
          "Account rate decisions older than rate_guard_ms at the call, asked again.",
          {"channel"})),
      capped_(registry_.counter("huitou_worker_capped_total",
                                "Jobs over a recipient's cap, retried in the next window.",
                                {"channel"})),
      dropped_(registry_.counter("huitou_bad_messages_total",
                                 "Malformed or misrouted messages dropped from the wire.",
                                 {"source"})),
      reconnects_(registry_.counter("huitou_redis_reconnects_total",
                                    "Successful reconnections to Redis after an error.")),
      // 5 ms to 30 s: an outbox write at the bottom, a provider's timeout at the top.
      latency_(registry_.histogram(
          "huitou_provider_latency_seconds", "Time of one provider send call.",
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}, {"provider", "channel"})) {
}

void WorkerMetrics::received() {
    received_.inc();
}

void WorkerMetrics::reported(const JobMessage& job, Outcome outcome) {
    results_.inc({job.store, std::string(to_string(job.kind)), std::string(to_string(job.channel)),
                  std::string(to_string(outcome))});
}

void WorkerMetrics::provider_call(std::string_view provider, Channel channel,
                                  std::chrono::steady_clock::duration took) {
    latency_.observe({std::string(provider), std::string(to_string(channel))},
                     std::chrono::duration<double>(took).count());
}

void WorkerMetrics::throttled(Channel channel) {
    throttled_.inc({std::string(to_string(channel))});
}

void WorkerMetrics::rate_asked(Channel channel) {
    rate_asks_.inc({std::string(to_string(channel))});
}

void WorkerMetrics::rate_decision_late(Channel channel) {
    late_decisions_.inc({std::string(to_string(channel))});
}

void WorkerMetrics::capped(Channel channel) {
    capped_.inc({std::string(to_string(channel))});
}

void WorkerMetrics::dropped() {
    dropped_.inc({"job"});
}

void WorkerMetrics::redis_reconnected() {
    reconnects_.inc();
}

}  // namespace huitou
