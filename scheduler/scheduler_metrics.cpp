#include "scheduler/scheduler_metrics.h"

namespace huitou {

SchedulerMetrics::SchedulerMetrics()
    : planned_(registry_.counter("huitou_jobs_planned_total",
                                 "Jobs created by planning (a day planned again creates none).",
                                 {"store", "kind", "channel"})),
      dispatched_(
          registry_.counter("huitou_jobs_dispatched_total",
                            "Jobs pushed to a worker (a job dispatched again counts again).",
                            {"store", "kind", "channel"})),
      deferred_(registry_.counter("huitou_jobs_deferred_total",
                                  "Jobs that found no worker able to take them and were handed "
                                  "back to the due set.",
                                  {"store", "channel"})),
      expired_(registry_.counter("huitou_jobs_expired_total",
                                 "Jobs that expired before they could be dispatched.", {"store"})),
      results_(registry_.counter("huitou_job_results_total",
                                 "Results recorded from the workers, by outcome (sent, failed, "
                                 "retry, refused, unknown, ...).",
                                 {"store", "kind", "channel", "outcome"})),
      dropped_(registry_.counter("huitou_bad_messages_total",
                                 "Malformed or refused messages dropped from the wire.",
                                 {"source"})),
      visits_(registry_.counter("huitou_visits_recorded_total",
                                "Visits recorded from the point-of-sale ZeroMQ feed.")),
      reconnects_(registry_.counter("huitou_redis_reconnects_total",
                                    "Successful reconnections to Redis after an error.")),
      refusals_(registry_.counter("huitou_redis_refusals_total",
                                  "Requests Redis answered with an error (a script error, "
                                  "damaged data): a bug to look at, not an outage.",
                                  {"request"})) {}

void SchedulerMetrics::planned(const std::vector<Job>& jobs, std::size_t created) {
    if (created == 0) return;
    if (created != jobs.size()) {
        // Part of the batch existed (a day planned again after a crash):
        // which ones is not known here, so the new ones count as "mixed".
        planned_.inc({jobs.front().store, "mixed", "mixed"}, static_cast<double>(created));
        return;
    }
    for (const auto& job : jobs) {
        if (job.state == JobState::held) continue;  // never sent: not a message planned
        planned_.inc(
            {job.store, std::string(to_string(job.kind)), std::string(to_string(job.channel))});
    }
}

void SchedulerMetrics::planned_winbacks(const std::string& store, std::size_t created) {
    // The win-back report does not say which channel each job took.
    if (created) planned_.inc({store, "winback", "mixed"}, static_cast<double>(created));
}

void SchedulerMetrics::dispatched(const Job& job) {
    dispatched_.inc(
        {job.store, std::string(to_string(job.kind)), std::string(to_string(job.channel))});
}

void SchedulerMetrics::deferred(const Job& job) {
    deferred_.inc({job.store, std::string(to_string(job.channel))});
}

void SchedulerMetrics::expired(const std::string& store, long long n) {
    if (n > 0) expired_.inc({store}, static_cast<double>(n));
}

void SchedulerMetrics::recorded(const ResultMessage& r) {
    results_.inc({r.store, std::string(kind_of_job_id(r.job_id)),
                  std::string(channel_of_worker(r.worker)), std::string(to_string(r.outcome))});
}

void SchedulerMetrics::dropped(std::string_view source) {
    dropped_.inc({std::string(source)});
}

void SchedulerMetrics::visits(std::size_t n) {
    visits_.inc({}, static_cast<double>(n));
}

void SchedulerMetrics::redis_reconnected() {
    reconnects_.inc();
}

void SchedulerMetrics::redis_refused(std::string_view request) {
    refusals_.inc({std::string(request)});
}

std::string_view kind_of_job_id(std::string_view job_id) {
    const auto prefix = job_id.substr(0, job_id.find(':'));
    for (const Kind k : all_kinds()) {
        if (prefix == to_string(k)) return to_string(k);
    }
    return "unknown";
}

std::string_view channel_of_worker(std::string_view worker) {
    const auto prefix = worker.substr(0, worker.find('@'));
    for (const Channel c : {Channel::sms, Channel::wechat}) {
        if (prefix == to_string(c)) return to_string(c);
    }
    return "unknown";
}

}  // namespace huitou
