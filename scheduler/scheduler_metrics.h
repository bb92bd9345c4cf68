// scheduler_metrics.h — what the scheduler counts for Prometheus.
//
// The scheduler owns one of these (and through it the process's
// MetricsRegistry); its loop calls the verbs below at the points where jobs
// are planned, dispatched and answered, and the admin server renders the
// registry at GET /metrics. Counters live in memory and start at 0 with the
// process — Prometheus' rate() and increase() expect exactly that.
//
// Labels are bounded on purpose: store (from the config), kind and channel
// (enums), outcome (an enum). A kind or channel we cannot tell (a result for
// a job id of another shape, a worker named otherwise) is "unknown", never
// the raw string from the wire.
//
// Queue depths are not counted here but read from Redis when scraped
// (scheduler/queue_sampler.h), so they are right even after a restart.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.h"
#include "core/metrics.h"
#include "core/wire.h"

namespace huitou {

class SchedulerMetrics {
  public:
    SchedulerMetrics();

    // plan_day created `created` of `jobs` (the rest existed: planned before).
    void planned(const std::vector<Job>& jobs, std::size_t created);
    // plan_winbacks created `created` win-back jobs for `store`.
    void planned_winbacks(const std::string& store, std::size_t created);
    void dispatched(const Job& job);
    // A job that could not be pushed (no worker, or its queue full).
    void deferred(const Job& job);
    void expired(const std::string& store, long long n);
    void recorded(const ResultMessage& result);
    // A message dropped from the wire: `source` is "result" or "visit".
    void dropped(std::string_view source);
    void visits(std::size_t n);
    void redis_reconnected();
    // Redis refused `request` (a script error, damaged data): not an outage.
    void redis_refused(std::string_view request);

    MetricsRegistry& registry() { return registry_; }

  private:
    MetricsRegistry registry_;
    Counter planned_, dispatched_, deferred_, expired_, results_, dropped_, visits_, reconnects_,
        refusals_;
};

// The kind a job id starts with ("birthday:T0001:2027-09-15" → "birthday"),
// or "unknown".
std::string_view kind_of_job_id(std::string_view job_id);
// The channel a worker's name starts with ("sms@host:42" → "sms"), or "unknown".
std::string_view channel_of_worker(std::string_view worker);

}  // namespace huitou
