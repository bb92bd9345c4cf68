// job_store.h — jobs in Redis, and every move between their states.
//
// Each transition is one Lua script (scripts/*.lua), atomic in Redis, so the
// scheduler, any number of workers and a crash at any instant never leave a
// job half moved:
//   create          planned (only if the id is new — idempotent planning),
//                   listed in the day's index by recipient (for opt-outs)
//   claim_due       planned → dispatched, into the in-flight set with a
//                   result deadline; past its day's end → expired; too many
//                   attempts → failed; a planned record of a day sheet
//                   (io/sheet_store.h) is claimed the same way and becomes
//                   a job hash without text, which every later step moves;
//                   the delivery policy once more: outside its window → due
//                   at the next opening (or expired), opted out, no consent,
//                   over a cap → cancelled; the dispatch joins the member's
//                   contact history
//   hand_back       dispatched → planned without using an attempt (the push
//                   failed, or a stopping worker hands back what it did not
//                   begin)
//   requeue_overdue dispatched past its result deadline (overdue) → planned,
//                   or → unknown if a worker called the provider
//   begin_send      a worker begins sending a batch of jobs; the consent
//                   check (an opted-out address → cancelled)
//   mark_call       the one job whose provider call starts now: only a
//                   marked job whose result never came can end `unknown`
//   record_result   → sent / failed / expired / unknown, or back to planned
//                   for a retry (an attempt) or a deferral (not one)
//   record_delivery sent → delivered (a delivery report)
//   cancel_planned  planned → cancelled, by a person (the console's hold);
//                   cancel_job.lua, the one way every script cancels
// Results are idempotent: recording the same one twice changes nothing.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/delivery_policy.h"
#include "core/job.h"
#include "core/wire.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct ClaimResult {
    // Now dispatched. A job claimed from a record of a day sheet (a store of
    // sheet_layout, io/sheet_store.h) has no text: its words are written
    // from its member (core/job_render.h); params["merged"] names the
    // occasions joined into it, as planning wrote them.
    std::vector<Job> jobs;
    // For each claimed job without text, its member's hash as the claim read
    // it (HGETALL), by member id. Such a job whose member is not here: the
    // member has no hash any more.
    std::map<std::string, FieldMap> members;
    long long expired = 0;    // ended expired by this claim (its day ended, or no send window left)
    long long failed = 0;     // ended failed (too many attempts)
    long long cancelled = 0;  // ended cancelled: opted out, no consent, capped, cooldown
    long long deferred = 0;   // outside the channel's window: due again at its next opening
};

struct Recording {
    ResultMessage result;
    std::optional<SysSeconds> unsure_since;
};

// A result a worker holds until its batch is recorded, with the attempt of
// the dispatch it answers: the next mark notes it on its job
// (mark_call.lua), only while that dispatch is still the job's.
struct NotedResult {
    Recording recording;
    int attempt = 0;
};

struct RequeueResult {
    long long requeued = 0;
    long long unknown = 0;
    std::vector<std::string> landed;  // every job taken off the in-flight set (no longer in flight)
    // Overdue jobs whose worker noted a result and died before recording it
    // (mark_call.lua): the results, to record; they are still in flight.
    std::vector<Recording> noted;
};

enum class BeginSend {
    ok,
    verify,     // begun, but an earlier attempt may have reached the provider: ask first
    cancelled,  // the address opted out: the job ended cancelled
    already_finished,
    stale,
    held_elsewhere,
    missing,
    refused  // Redis refused the request (a script error, damaged data): not sent
};

// One job's begin_send answer: the verdict, the script's reply ("ok",
// "stale", ...) and, for `verify`, since when the earlier attempt is unsure.
struct BeginSendReply {
    BeginSend verdict = BeginSend::missing;
    std::string detail;
    SysSeconds unsure_since{};
};

// A result to record and, for a retry that may have reached the provider,
// since when it is unsure.
class JobStore {
  public:
    JobStore(RedisConnection& redis, const SchedulerConfig& config);

    // Creates each job whose id is new; returns how many were created. A
    // few hundred jobs of a store go in one script call (create_job.lua).
    std::size_t create(const std::vector<Job>& jobs);

    // Creation pipelined behind other work, for planning: `send_create`
    // appends the calls creating `jobs` and returns without waiting;
    // `collect_created` reads the replies of the oldest batch sent and not
    // yet collected and returns how many of its jobs were created. Until all
    // are collected the connection must carry nothing else, and after an
    // exception it must be dropped. Throws RedisError (also for NOSCRIPT: a
    // server that lost its scripts in between).
    void send_create(const std::vector<Job>& jobs);
    std::size_t collect_created();

    // Dispatches up to `limit` jobs of `store` due at `now`: the records of
    // its due day sheets first, then its due job hashes. With `rules`
    // (the store's policy at `now`, core/delivery_policy.h) each job is
    // checked again first: its window, its consent, the member's caps
    // (scripts/claim_due.lua); without, only expiry and attempts, and no
    // record is claimed (a record's time counts from its day's start,
    // which the rules carry). A shard whose fence is up (io/lua_script.h)
    // is left out and the other shards' claims stand; StoreFrozen only when
    // nothing at all could be taken. Throws RedisError.
    ClaimResult claim_due(const std::string& store, SysSeconds now, int limit,
                          const DispatchRules* rules = nullptr);

    // Hands a dispatched job back (scripts/hand_back.lua): planned again, due
    // at `retry_at`, without using an attempt. False (nothing changes) when
    // the job is no longer dispatched or its provider call began.
    bool hand_back(const std::string& store, const std::string& job_id, SysSeconds retry_at);
    // The same for each (job, retry at), in one pipelined round trip; returns
    // how many were handed back.
    std::size_t hand_back_many(const std::vector<std::pair<const Job*, SysSeconds>>& jobs);
    // A worker that stops hands back dispatch `attempt` of a job it received
    // but did not send: handed back as above, unless the job was dispatched
    // again since or another worker began sending it (then false, nothing
    // changes).
    bool hand_back(const std::string& store, const std::string& job_id, int attempt,
                   const std::string& worker, SysSeconds retry_at);

    // Jobs of `store` overdue at `now`: dispatched, and their result
    // deadline (ack_timeout_seconds after the dispatch) passed.
    RequeueResult requeue_overdue(const std::string& store, SysSeconds now, int limit);

    // A worker begins sending dispatch `attempt` of a job; `detail` says why not.
    // On `verify`, `unsure_since` (if given) receives when the earlier attempt
    // that may have reached the provider was made.
    BeginSend begin_send(const std::string& store, const std::string& job_id, int attempt,
                         const std::string& worker, SysSeconds now, std::string* detail = nullptr,
                         SysSeconds* unsure_since = nullptr);
    // begin_send for each of `jobs` (their store, id and attempt), in one
    // pipelined round trip; the answers in order. A job Redis refused (a
    // script error on its data) answers `refused`, with Redis's reply in
    // `detail`; the others are unaffected.
    std::vector<BeginSendReply> begin_send_many(const std::vector<const JobMessage*>& jobs,
                                                const std::string& worker, SysSeconds now);

    // mark_call's answer, and what became of the results given with it.
    struct MarkReply {
        bool ok = false;     // marked: call the provider now (if `replicated`)
        std::string detail;  // why not: "state:cancelled", "stale", ...
        // Per result given: true when it was noted on its job (record it
        // with the batch), false when it was recorded now (a job of another
        // shard than the marked one: one script cannot reach both).
        std::vector<bool> noted;
        std::string records_refused;  // Redis refused the records made now: what it said
        // With a ReplicaWait: the replicas that acknowledged the mark, and
        // whether they were enough. A mark not replicated must not be acted
        // on: its job goes back uncalled (a `deferred` result undoes it).
        long long replicas = 0;
        bool replicated = true;
    };
    // Marks dispatch `job.attempt` of `job`, begun by `worker` (begin_send),
    // as in its provider call from `now` on (scripts/mark_call.lua), and in
    // the same round trip leaves `results` — a worker's results of the jobs
    // it called before this one, not yet recorded — where a crash cannot
    // lose them: noted on their jobs (the job's shard is the marked job's),
    // else recorded. A crash during this call leaves only this job without
    // a result. With `wait.replicas` > 0, then WAIT on the job's master
    // (core/config.h, ReplicaWait). Throws RedisError, and RedisReplyError
    // when the mark itself was refused (do not call).
    MarkReply mark_call(const JobMessage& job, const std::string& worker, SysSeconds now,
                        const std::vector<NotedResult>& results = {}, const ReplicaWait& wait = {});

    // Records a result; returns the job's state afterwards (nullopt: no such job).
    // `unsure_since`: a retry whose attempt may have reached the provider.
    std::optional<JobState> record(const ResultMessage& result,
                                   std::optional<SysSeconds> unsure_since = std::nullopt);
    // Records `results` in one pipelined round trip; returns each job's
    // state afterwards, in order. When Redis refuses some (a script error on
    // their data), the others are recorded and then RedisReplyError names
    // the refused ones.
    std::vector<std::optional<JobState>> record_many(const std::vector<Recording>& results);

    // Records a delivery report (status: delivered, undelivered, buffered,
    // accepted, rejected); returns the state afterwards (nullopt: no such job).
    std::optional<JobState> record_delivery(const std::string& store, const std::string& job_id,
                                            const std::string& status, SysSeconds at,
                                            const std::string& detail = {});

    // Cancels each of `job_ids` of `store` that is still planned
    // (scripts/cancel_jobs.lua): it ends cancelled with `error`, reported to
    // webhooks as message.skipped with `reason`. Returns the state each job
    // was in, in order (nullopt: no such job): `planned` ones are cancelled
    // now, the others were left as they were (a dispatched job may be at the
    // provider already). A job without a hash is looked for as a record of
    // its day's sheet (a layout-2 store: io/sheet_store.h) and cancelled
    // there (scripts/cancel_records.lua) with the record reason `reason`
    // when it is one (core/job_record.h), else held_by_staff; `error`, a
    // sentence naming the person, goes to the webhook only. Throws RedisError.
    std::vector<std::optional<JobState>> cancel_planned(const std::string& store,
                                                        const std::vector<std::string>& job_ids,
                                                        const std::string& error,
                                                        const std::string& reason, SysSeconds now);

    // The job `job_id` of `store` from its hash; nullopt when there is none.
    // With `zone` (the store's), a job planned as a record (a layout-2 store,
    // no hash before its claim) is found in its day's sheet too
    // (SheetStore::find): no text or `to` yet, both are written at the claim.
    // A record claimed (`d`) is its hash's: without one (its retention
    // ended), nullopt. Throws RedisError.
    std::optional<Job> get(const std::string& store, const std::string& job_id,
                           const date::time_zone* zone = nullptr);

    // How many planned jobs of `store` are due at `now`: job hashes, and a
    // day sheet with records due counts as one (its records are not read).
    long long count_due(const std::string& store, SysSeconds now);

    // How many jobs of `store` are dispatched and without a result.
    long long count_in_flight(const std::string& store);

    // The earliest due time of a planned job of `store`, if any: the earlier
    // of its due set's and its sheets' (hu:{S}:sheetdue).
    std::optional<SysSeconds> next_due(const std::string& store);

    // Jobs by state, cumulative, for `store`.
    std::map<std::string, long long> counts(const std::string& store);

  private:
    std::vector<LuaScript::Call> create_calls(const std::vector<Job>& jobs) const;
    // Script calls for many jobs: one a store and at most 100 jobs, with,
    // per call, the indexes of the jobs it carries. A call's keys are
    // `shared_keys` common ones then one a job, its args `shared_args`
    // common ones then `args_per_job` a job: so it can be split, one a job.
    struct JobCalls {
        std::vector<LuaScript::Call> calls;
        std::vector<std::vector<std::size_t>> items;
        std::size_t shared_keys = 0, shared_args = 0, args_per_job = 0;
        // Call `c` with only its `k`-th job.
        LuaScript::Call single(std::size_t c, std::size_t k) const;
    };
    JobCalls begin_calls(const std::vector<const JobMessage*>& jobs, const std::string& worker,
                         SysSeconds now) const;
    JobCalls record_calls(const std::vector<Recording>& results) const;
    // The states from record_result's `answers` to `results`; throws
    // RedisReplyError naming the refused ones (after all were read).
    static std::vector<std::optional<JobState>> recorded_states(
        const std::vector<Recording>& results, const std::vector<RedisReply>& answers);
    // Runs `calls` in one pipeline and returns each job's answer, in the
    // order of the jobs (job_answers).
    std::vector<RedisReply> run_job_calls(const LuaScript& script, const JobCalls& calls,
                                          std::size_t jobs, std::string_view what);
    // Each job's answer from `replies` to `calls`, in the order of the jobs.
    // A call Redis refused (a script error: one job's damaged data, say) is
    // run again one job a call, so the refusal costs only the job it is
    // about: that job's answer is Redis's error reply. Throws RedisError,
    // and RedisReplyError for a reply of the wrong shape.
    std::vector<RedisReply> job_answers(const LuaScript& script, const JobCalls& calls,
                                        const std::vector<RedisReply>& replies, std::size_t jobs,
                                        std::string_view what);

    RedisConnection& redis_;
    const SchedulerConfig& config_;
    LuaScript create_, claim_, hand_back_, requeue_, begin_, mark_, record_, delivery_, cancel_;
    std::deque<std::size_t> unread_;  // script calls of each batch sent, not collected
    bool create_loaded_ = false;
};

}  // namespace huitou
