// worker.h — receives jobs for one channel, sends each once, within the
// limits, and reports back.
//
// For every job that arrives on the channel's socket: decode it (a malformed
// message is logged, counted and dropped); if it is past its expiry, report
// `expired`; otherwise begin it in Redis (begin_send — the guard that keeps a
// job from ever being sent twice, whichever worker holds which copy, and the
// last consent check: an opted-out address ends the job `cancelled`). If an
// earlier attempt may have reached the provider, ask the provider first
// (Sender::verify). Outside the store's send window (core/delivery_policy.h)
// nothing is sent: checked before the begin and again just before the call,
// the job goes back for the window's next opening, or expires when none is
// left that day. Then the limits (io/rate_limiter.h): the account's rate
// is waited for here — a bounded sleep that a stop signal cuts short — and a
// recipient over a cap is retried in the next window. Then the Sender, and
// the outcome is settled (core/settlement.h), recorded in Redis and pushed to
// the scheduler: a transient failure comes back after an exponential backoff
// with jitter (core/backoff.h); a lost consent is recorded as an opt-out; an account
// problem stops this worker's channel for account_pause (it stops taking
// jobs, logs an error, and takes jobs again after the pause).
// The worker records as well as reports, so a result survives a scheduler
// that is down; the result says it was recorded, and the scheduler records
// only those that were not (recording is idempotent, so both may do it).
//
// The one stretch where a job's fate is unknown is between the provider call
// and the record. Just before each call the worker marks the job
// (JobStore::mark_call), and the same script notes on each job called before
// it in the batch how that call went: a crash then leaves that one job marked
// without an outcome, which the scheduler ends `unknown` rather than send it
// again; the noted jobs the scheduler records from their notes; the jobs
// begun and not yet called go out again.
//
// Jobs are handled in batches of what has arrived (at most kBatch): one
// pipelined begin_send begins them all, then each is sent in turn, its mark
// noting the previous result; the batch's results are recorded once, after
// the batch (and before any wait for the account's rate), and only then
// pushed to the scheduler. A record a job cost more Redis time than the
// rest of its dispatch together (docs/BENCHMARKS.md section 13); a note is
// one HSET in a script already run. Claimed jobs not yet begun when a stop
// or a pause comes are handed back.
//
// Only a provider call is an attempt: a job handed back before its call (a
// recipient cap, the window, the account's rate, a stop) is `deferred`, and
// an account problem does not count either (record_result.lua).
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/clock.h"
#include "core/config.h"
#include "io/consent_store.h"
#include "io/curve.h"
#include "io/job_store.h"
#include "io/rate_limiter.h"
#include "io/receipt_index.h"
#include "io/redis_connection.h"
#include "workers/connection_watch.h"
#include "workers/sender.h"
#include "workers/worker_metrics.h"

namespace huitou {

struct WorkerStats {
    std::size_t received = 0;
    std::size_t sent = 0;
    std::size_t declined = 0;
    std::size_t failed = 0;
    std::size_t retried = 0;
    std::size_t expired = 0;
    std::size_t cancelled = 0;       // opted out before the send
    std::size_t unknown = 0;         // may have gone, cannot tell: never resent
    std::size_t throttled = 0;       // waited for the account's rate
    std::size_t rate_asks = 0;       // the account's rate asked (gcra.lua calls)
    std::size_t late_decisions = 0;  // an account decision older than the guard: asked again
    std::size_t capped = 0;          // a recipient cap: retried in the next window
    std::size_t outside_window = 0;  // reached it outside the store's send window: handed back
    std::size_t bad_messages = 0;
    std::size_t handed_back = 0;   // queued when the worker stopped, never begun
    std::size_t deferred = 0;      // handed back before the provider call, due again later
    std::size_t unreplicated = 0;  // marked, but too few replicas had the mark: not called
};

class Worker {
  public:
    // Connects to the scheduler's job and result endpoints. `provider` (by
    // default the channel's config) supplies the rate limits, the backoff and
    // the account pause; it must outlive the worker.
    Worker(Channel channel, const Config& config, Sender& sender, RedisConnection& redis,
           zmq::context_t& zmq, const Clock& clock, std::string name,
           const std::string& job_endpoint, const std::string& results_endpoint,
           const ProviderConfig* provider = nullptr);

    // Waits up to `wait` for jobs and handles every one that arrived.
    // Returns how many were handled. Throws RedisError.
    std::size_t poll(std::chrono::milliseconds wait);

    // Runs until stop_requested(); survives Redis outages. On a stop, the
    // job in hand is finished and the jobs queued but not begun are handed
    // back (hand_back_queued), so other workers send them at once.
    void run();

    // Hands back every job waiting in this worker's queue, without sending:
    // each is due again now. Returns how many were handed back. Throws RedisError.
    std::size_t hand_back_queued();

    // Notes each job sent as awaiting the provider's receipt in `index`
    // (io/receipt_index.h), which must outlive the worker; nullptr: none.
    void set_receipt_index(ReceiptIndex* index) { receipts_ = index; }

    const WorkerStats& stats() const { return stats_; }
    WorkerMetrics& metrics() { return metrics_; }  // for GET /metrics
    // A scheduler is connected to the job socket (any thread; for GET /readyz).
    bool connected() const { return watch_.connected(); }
    // While an account problem has stopped the channel: until when.
    std::optional<SysSeconds> paused_until() const { return paused_until_; }

  private:
    // Jobs taken from the socket at a time: one pipelined begin_send and one
    // pipelined record for all of them.
    static constexpr std::size_t kBatch = 64;
    // A job whose call mark too few replicas acknowledged comes back after
    // this: long enough for a lagging replica to catch up, short beside a day.
    static constexpr std::chrono::seconds kUnreplicatedRetry{5};

    // A result to push to the scheduler, recorded in Redis first if `record`.
    // A result waits here from the job's end to the batch's record (flush):
    // meanwhile the next job's mark notes it on its job (mark_call.lua), so
    // a crash cannot lose it; it is pushed to the scheduler once recorded.
    struct Pending {
        Recording recording;
        bool record;            // to record in Redis (else only to push)
        int attempt = 0;        // the dispatch it answers
        bool noted = false;     // noted on its job by a mark
        bool recorded = false;  // recorded in Redis already (with a mark: another shard's)
    };

    // Decodes and checks a job; nullopt if it was dropped or reported already.
    std::optional<JobMessage> accept(const std::vector<std::string>& frames);
    // Sends a job begin_send answered `claim` for (or reports why not).
    void handle(const JobMessage& job, const BeginSendReply& claim);
    // Records the pending results in one round trip, then pushes them.
    void flush();
    // Pushes the pending results to the scheduler; `recorded`: in Redis already.
    // Pushes every pending result to the scheduler, saying which are
    // recorded (the scheduler records the others), and forgets them.
    void push_pending();
    // Marks `job` as in its provider call, recording the pending results in
    // the same round trip; false (the job reported) if it may not be called.
    bool mark_call(const JobMessage& job);
    // Waits for the account's rate; false if the job was handed back instead.
    bool wait_for_account(const JobMessage& job);
    // True inside the store's send window for the job's channel; else the
    // job is handed back for the next opening (keeping `unsure`, an earlier
    // attempt that may have gone) or expired, and false.
    bool in_window(const JobMessage& job, SysSeconds now, std::optional<SysSeconds> unsure);
    // Fails `job`: Redis refused a request about it (`why` says which and
    // what Redis answered). Logged as an error: a bug or damaged data.
    void refused_by_redis(const JobMessage& job, const std::string& why);
    // Reports the provider's answer to the call, applying its settlement
    // (core/settlement.h: the backoff, the pause, the opt-out, the unsure mark).
    void finish(const JobMessage& job, SendResult result);
    void report(const JobMessage& job, SendResult result, bool record,
                std::optional<SysSeconds> unsure = std::nullopt);
    void pause(SysSeconds until, const std::string& why);
    // A job went: note what its receipt will need (best effort, logged).
    void note_receipt_wait(const JobMessage& job, const std::string& provider_ref, SysSeconds now);
    void connect_jobs();

    Channel channel_;
    const Config& config_;
    const ProviderConfig& provider_;
    Sender& sender_;
    RedisConnection& redis_;
    zmq::context_t& zmq_;
    const Clock& clock_;
    std::string name_;
    std::string job_endpoint_;
    JobStore jobs_;
    ConsentStore consent_;
    RateLimiter limiter_;
    CurveKeys curve_;  // before the sockets: they connect with it
    ConnectionWatch watch_;
    zmq::socket_t jobs_in_;
    zmq::socket_t results_out_;
    std::optional<SysSeconds> paused_until_;
    // A batch whose begin_send met a Redis outage: nothing was sent, so it is
    // handled again, first, once Redis is back (rather than waiting out its
    // ack timeout).
    std::vector<JobMessage> held_;
    std::mt19937_64 random_;
    // When the account last let this worker call (real time, as the
    // limiter's waits); none when the provider has no rate.
    std::optional<std::chrono::steady_clock::time_point> rate_decided_;
    WorkerStats stats_;
    WorkerMetrics metrics_;
    std::vector<Pending> pending_;  // results of the batch being handled
    ReceiptIndex* receipts_ = nullptr;
};

}  // namespace huitou
