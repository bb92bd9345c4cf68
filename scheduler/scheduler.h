// scheduler.h — plans each store's day and dispatches the jobs that are due.
//
// The loop is shaped like Redis' aeProcessEvents: plan any store whose local
// day has begun → hand back jobs whose result never came → dispatch what is
// due → wait on the results socket until the next thing is due → record the
// results that arrived. Every decision is made by the pure core — how much
// to keep in flight (core/dispatch_flow.h), how long to wait
// (core/next_wakeup.h), the policy (core/delivery_policy.h) — on the
// clock's time; this class only moves data between Redis, ZeroMQ and the
// core. A day is planned in batches with a turn of the loop between two
// (serve_between_batches), so a festival of hundreds of thousands of
// members does not hold results and dispatch back for its whole length.
//
// Sockets: one PUSH per channel (bound; workers connect and share its jobs
// round-robin) and one PULL for results. PUSH sockets use ZMQ_IMMEDIATE and
// never block: a job that cannot be pushed (no worker, or its queue full) is
// handed back to the due set in Redis, where it is safe.
//
// Nothing is kept only in memory: a killed scheduler restarts, plans the day
// again (creating nothing twice) and picks up due and in-flight jobs from Redis.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <zmq.hpp>

#include "core/clock.h"
#include "core/config.h"
#include "core/dispatch_flow.h"
#include "core/message_template.h"
#include "io/care_robot.h"
#include "io/curve.h"
#include "io/job_store.h"
#include "io/parked_events.h"
#include "io/redis_connection.h"
#include "io/store_leases.h"
#include "io/visit_store.h"
#include "io/winback_store.h"
#include "scheduler/day_planner.h"
#include "scheduler/scheduler_metrics.h"

namespace huitou {

struct PlanReport {
    std::size_t candidates = 0;                    // occasions due that day
    std::size_t created = 0;                       // new jobs (0 when planned before)
    std::map<std::string, std::size_t> skipped;    // reason → count
    std::map<std::string, long long> left_out;     // "<kind>|<reason>" → members without a job
    std::map<std::string, std::size_t> occasions;  // kind → count
    std::size_t members_read = 0;                  // members read to plan the day
};

struct WinbackReport {
    std::size_t candidates = 0;                  // members whose index day has come
    std::size_t created = 0;                     // reminder and follow-up jobs created
    std::map<std::string, std::size_t> actions;  // remind, wait, skip, park, churn, ... → count
    std::map<std::string, std::size_t>
        reasons;                // why no message: cooldown, no_consent, ... → count
    std::size_t conflicts = 0;  // members who changed between read and write (a visit)
};

// Thrown between two planning batches when the store's planning must end
// there (a stop request, a lost lease); caught by plan_due_days.
struct PlanningStopped {
    std::string why;
};

struct SchedulerStats {
    std::size_t planned = 0;
    std::size_t dispatched = 0;
    std::size_t deferred = 0;  // could not be pushed, handed back
    std::size_t expired = 0;
    std::size_t cancelled = 0;       // at dispatch: opted out, no consent, capped, cooldown
    std::size_t outside_window = 0;  // at dispatch: due again at the window's next opening
    std::size_t requeued = 0;
    std::size_t unknown = 0;
    std::size_t noted = 0;  // overdue with a worker's note: recorded from it (mark_call.lua)
    std::size_t bad_messages = 0;
    std::map<std::string, std::size_t> results;  // outcome → count
    std::size_t turns_while_planning = 0;        // loop turns served between planning batches
    std::size_t visits = 0;                      // visits recorded from the POS feed
    std::size_t visits_parked = 0;               // visits from the feed parked during a reshard
    std::size_t bad_visits = 0;                  // visit messages dropped (malformed or refused)
    std::size_t unwritten = 0;  // claimed without words that could not be written: ended failed
};

class Scheduler {
  public:
    // Binds the sockets at the configured endpoints (a "*" port binds a free one).
    Scheduler(const Config& config, const TemplateSet& templates, RedisConnection& redis,
              zmq::context_t& zmq, const Clock& clock);

    // The endpoint actually bound, e.g. for a test that bound port "*".
    std::string job_endpoint(Channel channel) const;
    std::string results_endpoint() const;

    // Plans `day` for `store`: idempotent. Reads the members the day's
    // indexes name (every member on a festival, in batches), and creates the
    // jobs the delivery policy gives them (scheduler/day_planner.h): a hash
    // each, or, for a store on day sheets (its data says, io/sheet_store.h),
    // a record each in the day's sheets, due by sheet.
    // `between_batches`, if given, runs after each batch's jobs are sent to
    // Redis (plan_due_days serves the loop there). Throws RedisError, and
    // whatever `between_batches` throws.
    PlanReport plan_day(const StoreConfig& store, const Date& day,
                        const std::function<void()>& between_batches = {});

    // Plans the win-back of `store` on `day`: the policy's jobs are created,
    // then each member's step applied, guarded by what was read (a member
    // who came back meanwhile has the fresh job cancelled). `between_batches`
    // as for plan_day. Throws RedisError.
    WinbackReport plan_winbacks(const StoreConfig& store, const Date& day,
                                const std::function<void()>& between_batches = {});

    // Plans every store whose local day at `now` is not planned yet in this
    // process. With serve_while_planning on, the loop is served between
    // planning batches (see serve_between_batches), and a stop request or a
    // lost lease ends the store's planning there, to be done again (it is
    // idempotent) by whoever serves the store next. Then, for each store
    // whose day is planned, the day's value segments if not done yet
    // (io/segment_store.h: recompute), served between slices the same way;
    // then, for each store with care on whose segments are today's, its care
    // list (io/care_store.h: build), and the robot post (push_care_lists).
    void plan_due_days(SysSeconds now);

    // Whether plan_due_days serves the loop between planning batches: the
    // daemon (run) does; a caller that drives the steps itself (tests,
    // --once, which dispatches right after planning) need not.
    void serve_while_planning(bool on) { serve_while_planning_ = on; }

    // Binds the POS visit feed (endpoints.visits; the daemon does, --once does not).
    void listen_for_visits();
    std::string visits_endpoint() const;
    // Records every visit message waiting on the feed, without blocking;
    // returns how many were recorded. Throws RedisError.
    std::size_t handle_visits();

    // Pushes every job due at `now`; returns how many were pushed. Throws
    // RedisError; a request Redis refuses costs only its store (for_store).
    std::size_t dispatch_due(SysSeconds now);

    // Hands back jobs whose result deadline passed. Throws RedisError; a
    // request Redis refuses costs only its store (for_store).
    void requeue_overdue(SysSeconds now);

    // Waits up to `wait` (real time) for results; records in Redis those the
    // worker could not (wire.h: ResultMessage::recorded) and counts them all.
    // Returns how many were handled. Throws RedisError.
    std::size_t handle_results(std::chrono::milliseconds wait);

    // The daemon: runs until stop_requested() or, if given, until the clock
    // reaches `until`. Survives Redis outages (backs off and reconnects).
    void run(std::optional<SysSeconds> until = std::nullopt);

    // --once: plans today, dispatches what is due, waits for the results of
    // everything it dispatched, at most config.scheduler.once_wait (real time).
    struct OnceResult {
        std::size_t without_result = 0;  // dispatched, no result before the wait ended
        std::size_t not_dispatched = 0;  // due, but no worker took them
        bool complete() const { return without_result == 0 && not_dispatched == 0; }
    };
    OnceResult run_once();

    // Thread-safe: whether the daemon serves `store` now (holds its lease);
    // false before run() starts. For the webhook dispatcher's thread.
    bool serves_now(const std::string& store) const;

    const SchedulerStats& stats() const { return stats_; }
    SchedulerMetrics& metrics() { return metrics_; }  // for GET /metrics

  private:
    zmq::socket_t& socket_for(Channel channel);
    // Writes the words of each job of `claim` that has none (planned as a
    // record, core/job_render.h) from its member as the claim read her and
    // the store's templates as planning uses them. A job whose member is
    // gone or whose words cannot be written is taken out of `claim`, logged
    // and ended failed with the reason; returns how many. Throws RedisError.
    std::size_t write_words(const StoreConfig& store, ClaimResult& claim, SysSeconds now);
    // The sheet count of `store`'s `day` (fixed by its first planning,
    // io/sheet_store.h), or 0 when the store keeps a hash a job. Throws
    // RedisError.
    DaySheets day_sheets(const StoreConfig& store, const Date& day);
    // The day's sheets expire at its end plus the job retention.
    void expire_sheets(const StoreConfig& store, const Date& day, const DaySheets& sheets);
    // Moves `store` to day sheets unless it is on them (io/job_migration.h),
    // `between_steps` run between two steps. Throws RedisError, and what
    // `between_steps` throws (PlanningStopped: moved on by the next planning).
    void move_to_sheets(const StoreConfig& store, const Date& today,
                        const std::function<void()>& between_steps);
    // Counts a result recorded in Redis (`state`: the job's state after, if
    // recorded here) and forgets its job's dispatch.
    void counted(const ResultMessage& result, std::optional<std::string_view> state);
    // Clock time until the next thing to do: a due job or a store's midnight
    // (core/next_wakeup.h).
    std::chrono::seconds time_to_next_event(SysSeconds now);
    // How many planned jobs of all stores are due at `now`.
    std::size_t count_due(SysSeconds now);
    // One loop turn that does not wait, between two batches of `store`'s
    // planning: leases renewed, results and visits taken, overdue jobs
    // handed back, due jobs dispatched. Throws PlanningStopped on a stop
    // request or when `store`'s lease is lost; RedisError.
    void serve_between_batches(const std::string& store);
    // Renews and takes leases (every third of the lease); a store taken is
    // planned again.
    void refresh_leases();
    bool serve_while_planning_ = false;

    const Config& config_;
    const TemplateSet& templates_;
    RedisConnection& redis_;
    const Clock& clock_;
    DayPlanner planner_;
    JobStore jobs_;
    VisitStore visit_store_;
    ParkedEvents parked_;  // the visit feed's, while a reshard holds a store
    WinbackStore winbacks_;
    zmq::context_t& zmq_;
    CurveKeys curve_;                        // before the sockets: they bind with it
    std::unique_ptr<ZapAuthenticator> zap_;  // the CURVE allow-list, when configured
    zmq::socket_t visits_;                   // bound by listen_for_visits
    zmq::socket_t sms_;
    zmq::socket_t wechat_;
    zmq::socket_t results_;
    std::map<std::string, Date> planned_day_;  // store → the local day planned
    // store → the local day its value segments were done
    std::map<std::string, Date> segmented_day_;
    // The care list (io/care_store.h): store → the local day whose list is
    // built, → the day whose list the group robot took, → the post under way
    // (its day, the parts the robot took, the failed attempts, when to try
    // again: core/backoff.h).
    struct CareRobotRetry {
        Date day;
        std::size_t parts_taken = 0;
        int failures = 0;
        SysSeconds again{};
    };
    std::map<std::string, Date> cared_day_;
    std::map<std::string, Date> care_pushed_day_;
    std::map<std::string, CareRobotRetry> care_robot_retry_;
    CareRobot care_robot_;
    // After a store's segments its care list is built for the day, once
    // (plan_due_days); then, from the first of the store's calling hours,
    // the robot post, retried with backoff until it goes (or the hours end).
    void push_care_lists(SysSeconds now);
    // What planning, segments and the care list run between two batches:
    // serve_between_batches for `store` when serve_while_planning is on.
    std::function<void()> between_batches_of(const std::string& store);
    // "store|step|reply" → when it was last logged (for_store).
    std::map<std::string, std::chrono::steady_clock::time_point> refusal_logged_;
    // The jobs in flight and how many may be (core/dispatch_flow.h); on the
    // clock's monotonic time.
    DispatchFlow flow_;
    // The daemon serves only the stores whose lease it holds (replicas);
    // --once serves every store.
    bool serves(const std::string& store) const;
    // Runs `step` for `store`. A request Redis refused there (a script error,
    // damaged data) costs only that store's step this turn: it is logged with
    // the request and the reply (at most once a minute for the same store,
    // step and reply) and counted, and the other stores go on — it is not an
    // outage, so nothing reconnects or waits. Returns false when refused.
    // A store a reshard holds (StoreFrozen, io/lua_script.h) is not refused
    // but paused: its step is left for the turn, the replies its pipeline
    // left unread are read, and the store's dispatch and next-due wakeup
    // wait `frozen_pause` (a draining store's due jobs would otherwise wake
    // the loop at once, again and again), its planning, segments and care
    // list `frozen_plan_pause` (each begins by reading the members again);
    // logged once a minute.
    bool for_store(const std::string& store, std::string_view step,
                   const std::function<void()>& work);
    // Whether a reshard holds `store`: its shard record, read with the
    // lease, says it drains or copies it, or it met its fence less than
    // `pause` ago (real time).
    bool paused_by_reshard(const std::string& store, std::chrono::seconds pause) const;
    static constexpr std::chrono::seconds frozen_pause{1};
    static constexpr std::chrono::seconds frozen_plan_pause{30};
    std::map<std::string, std::chrono::steady_clock::time_point> frozen_at_;
    StoreLeases leases_;
    bool use_leases_ = false;
    // A copy of leases_.held_until() for other threads (serves_now).
    mutable std::mutex served_mutex_;
    std::map<std::string, std::chrono::steady_clock::time_point> served_until_;
    // Results read from the socket but not yet in Redis: one that meets an
    // outage stays first in line, so a result is never lost with Redis away.
    std::deque<Recording> unrecorded_;
    // How long a job that could not be pushed waits (0 under --once, which
    // keeps offering it until its deadline).
    std::chrono::seconds retry_delay_;
    SchedulerStats stats_;
    SchedulerMetrics metrics_;
};

}  // namespace huitou
