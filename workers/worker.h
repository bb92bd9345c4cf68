// worker.h — receives jobs for one channel, sends each once, reports back.
//
// For every job that arrives on the channel's socket: decode it (a malformed
// message is logged, counted and dropped); if it is past its expiry, report
// `expired`; otherwise claim it in Redis (begin_send — the guard that keeps a
// job from ever being sent twice, whichever worker holds which copy), call the
// Sender, record the outcome in Redis, and push the result to the scheduler.
// The worker records as well as reports, so a result survives a scheduler
// that is down; recording is idempotent, so both may do it.
//
// The one window where a job's fate is unknown is between the provider call
// and the record: a crash there leaves the job claimed without an outcome,
// and the scheduler marks it `unknown` rather than send it again.
#pragma once

#include <chrono>
#include <string>

#include <zmq.hpp>

#include "core/clock.h"
#include "core/config.h"
#include "io/job_store.h"
#include "io/redis_connection.h"
#include "workers/sender.h"

namespace huitou {

struct WorkerStats {
    std::size_t received = 0;
    std::size_t sent = 0;
    std::size_t refused = 0;
    std::size_t failed = 0;
    std::size_t retried = 0;
    std::size_t expired = 0;
    std::size_t bad_messages = 0;
};

class Worker {
  public:
    // Connects to the scheduler's job and result endpoints.
    Worker(Channel channel, const Config& config, Sender& sender, RedisConnection& redis,
           zmq::context_t& zmq, const Clock& clock, std::string name,
           const std::string& job_endpoint, const std::string& results_endpoint);

    // Waits up to `wait` for jobs and handles every one that arrived.
    // Returns how many were handled. Throws RedisError.
    std::size_t poll(std::chrono::milliseconds wait);

    // Runs until stop_requested(); survives Redis outages.
    void run();

    const WorkerStats& stats() const { return stats_; }

  private:
    void handle(const std::vector<std::string>& frames);
    void report(const JobMessage& job, SendResult result, bool record);

    Channel channel_;
    Sender& sender_;
    RedisConnection& redis_;
    const Clock& clock_;
    std::string name_;
    JobStore jobs_;
    zmq::socket_t jobs_in_;
    zmq::socket_t results_out_;
    WorkerStats stats_;
};

}  // namespace huitou
