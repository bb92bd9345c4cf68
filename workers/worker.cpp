#include "workers/worker.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "core/backoff.h"
#include "core/delivery_policy.h"
#include "core/log_mask.h"
#include "core/phone_number.h"
#include "core/rate_wait.h"
#include "core/settlement.h"
#include "io/program_setup.h"
#include "io/redis_outage.h"
#include "io/zmq_frames.h"

namespace huitou {
namespace {

using namespace std::chrono_literals;

// Sleeps `d`, in slices, returning early when a stop is requested. Real
// time on purpose (std::chrono::steady_clock, not Clock::monotonic): `d`
// comes from the rate limiter, which counts in Redis TIME.
void sleep_unless_stopped(std::chrono::microseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop_requested()) {
        const auto left = until - std::chrono::steady_clock::now();
        if (left <= 0s) return;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, 50ms));
    }
}

std::chrono::seconds ceil_seconds(std::chrono::microseconds d) {
    return std::chrono::ceil<std::chrono::seconds>(d);
}

// Since when an earlier attempt of a claimed job may have reached the provider.
std::optional<SysSeconds> unsure_of(const BeginSendReply& claim) {
    if (claim.verdict == BeginSend::verify) return claim.unsure_since;
    return std::nullopt;
}

// "tcp://a:7301,tcp://b:7301": a worker serves every scheduler replica (each
// binds its own endpoints; results may go to any, as Redis holds the state).
std::vector<std::string> split_endpoints(const std::string& list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto comma = list.find(',', start);
        auto one =
            list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!one.empty()) out.push_back(std::move(one));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

}  // namespace

Worker::Worker(Channel channel, const Config& config, Sender& sender, RedisConnection& redis,
               zmq::context_t& zmq, const Clock& clock, std::string name,
               const std::string& job_endpoint, const std::string& results_endpoint,
               const ProviderConfig* provider)
    : channel_(channel),
      config_(config),
      provider_(provider ? *provider : (channel == Channel::sms ? config.sms : config.wechat)),
      sender_(sender),
      redis_(redis),
      zmq_(zmq),
      clock_(clock),
      name_(std::move(name)),
      job_endpoint_(job_endpoint),
      jobs_(redis, config.scheduler),
      consent_(redis, config),
      limiter_(redis, provider_.account(), provider_.rate),
      curve_(load_curve_keys(config.curve, false)),
      watch_(zmq),
      results_out_(zmq, zmq::socket_type::push),
      random_(std::random_device{}()) {
    results_out_.set(zmq::sockopt::linger, 2000);
    make_curve_client(results_out_, curve_);
    for (const auto& e : split_endpoints(results_endpoint))
        results_out_.connect(e);
    connect_jobs();
}

void Worker::connect_jobs() {
    jobs_in_ = zmq::socket_t(zmq_, zmq::socket_type::pull);
    // A small receive queue spreads jobs evenly over workers and leaves few
    // behind when this one is stopped (those are dispatched again later).
    jobs_in_.set(zmq::sockopt::rcvhwm, 50);
    jobs_in_.set(zmq::sockopt::linger, 0);
    make_curve_client(jobs_in_, curve_);
    watch_.watch(jobs_in_);
    for (const auto& e : split_endpoints(job_endpoint_))
        jobs_in_.connect(e);
}

std::size_t Worker::poll(std::chrono::milliseconds wait) {
    if (paused_until_) {
        if (clock_.now() < *paused_until_) {
            std::this_thread::sleep_for(std::min(wait, 200ms));
            return 0;
        }
        spdlog::warn("{} channel: the pause is over, taking jobs again", to_string(channel_));
        paused_until_.reset();
        connect_jobs();
    }
    const std::size_t received_before = stats_.received;
    zmq::pollitem_t items[] = {{jobs_in_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
        zmq::poll(items, 1, wait);
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
    }
    // Jobs are taken a batch at a time: one pipelined begin_send for the
    // batch, the sends, then one pipelined record for their results. Results
    // are pushed to the scheduler after they are recorded, as one by one.
    // A batch whose begin_send met a Redis outage comes first (held_); on a
    // stop it stays held for hand_back_queued.
    std::vector<JobMessage> batch;
    if (!stop_requested()) batch.swap(held_);
    const std::size_t held = batch.size();
    while (batch.size() < kBatch && !stop_requested() && !paused_until_) {
        auto frames = receive_frames(jobs_in_);
        if (!frames) break;
        if (auto job = accept(*frames)) batch.push_back(std::move(*job));
    }
    const std::size_t handled = stats_.received - received_before + held;
    if (batch.empty()) return handled;
    // A claim not begun is handed back; one that may have reached the
    // provider keeps its unsure mark, so the next attempt still verifies.
    auto hand_back = [&](const JobMessage& job, const BeginSendReply& claim, std::string why,
                         SysSeconds at) {
        report(job, {Outcome::deferred, {}, std::move(why), at}, true, unsure_of(claim));
    };
    auto claimed = [](const BeginSendReply& r) {
        return r.verdict == BeginSend::ok || r.verdict == BeginSend::verify;
    };
    std::vector<BeginSendReply> replies;
    std::size_t i = 0;
    try {
        std::vector<const JobMessage*> claims;
        claims.reserve(batch.size());
        for (const auto& job : batch)
            claims.push_back(&job);
        try {
            replies = jobs_.begin_send_many(claims, name_, clock_.now());
        } catch (const RedisReplyError& e) {
            // Redis refused the claim (a script error, damaged data): not an
            // outage, and not to be sent. The batch fails, with the reason,
            // where `huitou dlq` shows it.
            spdlog::error("{} (a bug or damaged data, not an outage): {} jobs not sent, failed",
                          e.what(), batch.size());
            for (const auto& job : batch)
                report(job, {Outcome::failed, {}, e.what(), std::nullopt}, true);
            flush();
            return handled;
        } catch (const RedisError&) {
            // Nothing of the batch was begun (or its answers were lost):
            // handled again, first, once Redis is back — begin_send lets this
            // worker claim its own dispatch again — rather than after the
            // ack timeout.
            held_ = std::move(batch);
            throw;
        }
        for (; i < batch.size(); ++i) {
            if (claimed(replies[i]) && (stop_requested() || paused_until_)) {
                // Stop between jobs, never in the middle of one.
                hand_back(batch[i], replies[i], "the worker stopped",
                          paused_until_.value_or(clock_.now()));
                continue;
            }
            handle(batch[i], replies[i]);
        }
    } catch (...) {
        // Redis failed under job i (handed back already); the later jobs of
        // the batch were claimed but not begun: hand them back too.
        for (std::size_t j = i + 1; j < replies.size(); ++j) {
            if (claimed(replies[j]))
                hand_back(batch[j], replies[j], "Redis failed", clock_.now() + 30s);
        }
        flush();
        throw;
    }
    flush();
    return handled;
}

std::optional<JobMessage> Worker::accept(const std::vector<std::string>& frames) {
    ++stats_.received;
    metrics_.received();
    auto decoded = decode_job(frame_views(frames));
    if (!decoded.message) {
        ++stats_.bad_messages;
        metrics_.dropped();
        spdlog::warn("dropped a malformed job: {}", decoded.error);
        return std::nullopt;
    }
    JobMessage& job = *decoded.message;
    if (job.channel != channel_) {
        ++stats_.bad_messages;
        metrics_.dropped();
        spdlog::warn("dropped job {} for channel {} (this worker sends {})", job.job_id,
                     to_string(job.channel), to_string(channel_));
        return std::nullopt;
    }
    if (clock_.now() >= job.expires_at) {
        report(job, {Outcome::expired, {}, "reached the worker after its expiry", std::nullopt},
               true);
        return std::nullopt;
    }
    return std::move(job);
}

void Worker::handle(const JobMessage& job, const BeginSendReply& claimed) {
    const SysSeconds now = clock_.now();
    const BeginSend claim = claimed.verdict;
    const std::string& why = claimed.detail;
    if (claim == BeginSend::cancelled) {
        // begin_send ended the job; the scheduler learns it from Redis.
        ++stats_.cancelled;
        spdlog::info("{} {}: cancelled, the address opted out of {}", job.store, job.job_id,
                     to_string(channel_));
        report(job, {Outcome::declined, {}, "opted_out", std::nullopt}, false);
        return;
    }
    if (claim == BeginSend::refused) {
        refused_by_redis(job, why);
        return;
    }
    if (claim != BeginSend::ok && claim != BeginSend::verify) {
        ++stats_.declined;
        spdlog::info("{} {}: not sending ({})", job.store, job.job_id, why);
        report(job, {Outcome::declined, {}, why, std::nullopt}, false);
        return;
    }
    // Until the provider says otherwise, an earlier attempt that may have
    // gone stays unsure: every deferral below carries it on.
    std::optional<SysSeconds> unsure = unsure_of(claimed);
    // Nothing leaves outside the store's send window, retries included: a
    // job that reaches the worker late goes back to wait for the opening.
    // Checked once the job is ours, so a stale copy never moves it.
    if (!in_window(job, now, unsure)) return;
    if (unsure) {
        Verification v;
        try {
            v = sender_.verify(job, *unsure, now);
        } catch (const std::exception& e) {
            v = {Verification::Verdict::try_later, {}, e.what()};
        }
        switch (v.verdict) {
            case Verification::Verdict::sent:
                report(job, {Outcome::sent, v.provider_ref, {}, std::nullopt}, true);
                return;
            case Verification::Verdict::unknown:
                report(job,
                       {Outcome::unknown,
                        {},
                        "an earlier attempt may have gone: " + v.detail,
                        std::nullopt},
                       true);
                return;
            case Verification::Verdict::try_later: {
                // Not an attempt: nothing was sent, and the doubt stays.
                std::uniform_real_distribution<double> unit(0.0, 1.0);
                report(job,
                       {Outcome::deferred,
                        {},
                        "cannot verify yet: " + v.detail,
                        now + retry_backoff(job.attempt, provider_.backoff, unit(random_))},
                       true, unsure);
                return;
            }
            case Verification::Verdict::not_sent:
                spdlog::info("{} {}: the provider has no earlier copy; sending", job.store,
                             job.job_id);
                unsure.reset();
                break;
        }
    }
    // Asking Redis about the limits while the job is ours and not called:
    // a refusal (a bug or damaged data) fails the job; an outage hands it
    // back through the scheduler (which records it once Redis is back, or it
    // would wait out its ack timeout) and goes on to the outage handling.
    const auto unless_redis_fails = [&](const auto& ask) -> bool {
        try {
            return ask();
        } catch (const RedisReplyError& e) {
            refused_by_redis(job, e.what());
            return false;
        } catch (const RedisError& e) {
            report(job, {Outcome::deferred, {}, e.what(), clock_.now() + 30s}, true);
            throw;
        }
    };
    // The recipient's caps first, the account's rate last: the send must
    // follow the account's decision at once, because the provider counts
    // arrivals. (A job handed back after a long account wait has used its
    // recipient quota unsent: fewer messages, never more.)
    const bool may_send = unless_redis_fails([&] {
        const auto cap = limiter_.recipient(channel_, job.to);
        if (!cap.allowed()) {
            ++stats_.capped;
            metrics_.capped(channel_);
            const SysSeconds at = clock_.now();
            report(job,
                   {Outcome::deferred,
                    {},
                    "recipient limit " + cap.limit,
                    at + ceil_seconds(cap.wait)},
                   true);
            return false;
        }
        return wait_for_account(job);
    });
    if (!may_send) return;
    // The account's rate may have made it wait past the window's end.
    if (!in_window(job, clock_.now(), std::nullopt)) return;
    // The call mark, with the results of the jobs before this one: from
    // here on a crash leaves this job, and only this one, `unknown`.
    if (!mark_call(job)) return;
    // The account's decision is good for the guard only: a worker that took
    // longer to get here asks again (core/rate_wait.h). Marked but not
    // called, a job handed back here is no attempt (record_result.lua).
    for (int late = 0;
         rate_decided_ && !rate_decision_fresh(std::chrono::steady_clock::now() - *rate_decided_,
                                               provider_.rate.guard);
         ++late) {
        ++stats_.late_decisions;
        metrics_.rate_decision_late(channel_);
        if (late == 3) {
            report(job,
                   {Outcome::deferred,
                    {},
                    "the worker is too slow for the account's rate: its decision came late 3 times",
                    clock_.now() + 1s},
                   true);
            return;
        }
        if (!unless_redis_fails([&] { return wait_for_account(job); })) return;
        if (!in_window(job, clock_.now(), std::nullopt)) return;
    }
    SendResult result;
    const auto started = std::chrono::steady_clock::now();  // a latency: real time
    try {
        result = sender_.send(job, clock_.now());
    } catch (const std::exception& e) {
        // Whatever failed, it failed after the call began: it may have gone.
        result = {Outcome::retry, {}, e.what(), std::nullopt, true};
    }
    metrics_.provider_call(sender_.name(), channel_, std::chrono::steady_clock::now() - started);
    finish(job, std::move(result));
}

bool Worker::mark_call(const JobMessage& job) {
    // The results not yet in Redis in any form go with the mark: noted on
    // their jobs (recorded with the batch, flush) or, another shard's,
    // recorded now.
    std::vector<NotedResult> results;
    std::vector<Pending*> given;
    for (auto& p : pending_) {
        if (!p.record || p.noted || p.recorded) continue;
        results.push_back({p.recording, p.attempt});
        given.push_back(&p);
    }
    JobStore::MarkReply mark;
    try {
        mark = jobs_.mark_call(job, name_, clock_.now(), results, config_.replica_wait);
    } catch (const RedisReplyError& e) {
        // The mark was refused: the call must not be made. (Whether the
        // notes or records went is unknown: the scheduler records them.)
        push_pending();
        refused_by_redis(job, e.what());
        return false;
    } catch (const RedisError&) {
        // Neither the mark nor the notes are known to have reached Redis:
        // the results go to the scheduler to record, and the job, not
        // called, goes back with them.
        push_pending();
        report(job, {Outcome::deferred, {}, "Redis failed", clock_.now() + 30s}, true);
        throw;
    }
    if (!mark.records_refused.empty()) {
        spdlog::error("Redis refused record_result (a bug or damaged data, not an outage): {}",
                      mark.records_refused);
    }
    for (std::size_t i = 0; i < given.size(); ++i) {
        if (mark.noted[i])
            given[i]->noted = true;
        else
            given[i]->recorded = mark.records_refused.empty();
    }
    if (mark.ok && !mark.replicated) {
        // A failover now could lose the mark and send the job again: not
        // called, it goes back (the `deferred` record undoes the mark) and
        // is dispatched again shortly.
        ++stats_.unreplicated;
        const auto& w = config_.replica_wait;
        spdlog::warn(
            "{} {}: not calling the provider: the call mark reached {} of {} replicas "
            "in {} ms (redis.wait_replicas){}; again in {} s",
            job.store, job.job_id, mark.replicas, w.replicas, w.timeout.count(),
            mark.detail == "ok" ? "" : " — " + mark.detail, kUnreplicatedRetry.count());
        report(job,
               {Outcome::deferred,
                {},
                "the call mark reached no replica in time",
                clock_.now() + kUnreplicatedRetry},
               true);
        return false;
    }
    if (mark.ok) return true;
    // It moved on since the claim: an opt-out cancelled it, or it was
    // dispatched again. Not ours to send, nor to record.
    ++stats_.declined;
    spdlog::info("{} {}: not sending ({})", job.store, job.job_id, mark.detail);
    report(job, {Outcome::declined, {}, mark.detail, std::nullopt}, false);
    return false;
}

void Worker::refused_by_redis(const JobMessage& job, const std::string& why) {
    spdlog::error("{} {}: {} (a bug or damaged data, not an outage): not sent, failed", job.store,
                  job.job_id, why);
    report(job, {Outcome::failed, {}, why, std::nullopt}, true);
}

bool Worker::in_window(const JobMessage& job, SysSeconds now, std::optional<SysSeconds> unsure) {
    const auto* store = config_.find_store(job.store);
    if (!store) return true;  // not ours to judge; begin_send refuses what is not a job
    const auto window = check_window(*store, job.channel, now, job.expires_at);
    if (window.open) return true;
    ++stats_.outside_window;
    if (window.next) {
        report(job, {Outcome::deferred, {}, "outside the send window", window.next}, true, unsure);
    } else {
        report(job, {Outcome::expired, {}, "no send window left today", std::nullopt}, true);
    }
    return false;
}

bool Worker::wait_for_account(const JobMessage& job) {
    // Real time, like the limiter's waits (Redis TIME), not the clock's.
    const auto deadline = std::chrono::steady_clock::now() + provider_.rate.max_wait;
    bool waited = false;
    int losses = 0;
    for (;;) {
        const auto d = limiter_.account();
        const bool asked = provider_.rate.per_second > 0;  // else allowed without Redis
        if (asked) {
            ++stats_.rate_asks;
            metrics_.rate_asked(channel_);
        }
        if (d.allowed()) {
            if (asked) rate_decided_ = std::chrono::steady_clock::now();
            return true;
        }
        ++losses;
        if (!waited) {
            ++stats_.throttled;
            metrics_.throttled(channel_);
        }
        waited = true;
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            deadline - std::chrono::steady_clock::now());
        if (d.verdict == RateDecision::Verdict::never || stop_requested() || d.wait > left) {
            // Hand it back: nothing was sent, and the claim is ours to hand back.
            report(job,
                   {Outcome::deferred,
                    {},
                    "account rate limit",
                    clock_.now() + std::max(1s, ceil_seconds(d.wait))},
                   true);
            return false;
        }
        flush();  // the batch's earlier results do not wait for this one
        // Not the exact wait: every worker waiting on the account was told
        // the same instant (core/rate_wait.h).
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        sleep_unless_stopped(
            spread_rate_wait(d.wait, limiter_.account_limit(), losses, unit(random_)));
    }
}

void Worker::finish(const JobMessage& job, SendResult result) {
    // What to record and do is decided in the core (core/settlement.h);
    // here it is applied.
    const SysSeconds now = clock_.now();
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const Settlement s = settle({result.outcome, result.retry_at, result.maybe_sent}, job.attempt,
                                provider_.backoff, provider_.account_pause, now, unit(random_));
    result.retry_at = s.retry_at;
    if (s.pause_until) pause(*s.pause_until, result.error);
    if (s.record_opt_out) {
        try {
            ConsentEvent e;
            e.at = now;
            e.store = job.store;
            e.channel = job.channel;
            e.source = ConsentSource::provider;
            e.member = job.member_id;
            e.address = job.to;
            e.detail = std::string(sender_.name()) + ": " + result.error;
            consent_.record(e);
        } catch (const RedisError& e) {
            spdlog::error("{} {}: could not record the opt-out ({}): {}", job.store, job.job_id,
                          result.error, e.what());
        }
    }
    report(job, std::move(result), true, s.unsure);
}

void Worker::pause(SysSeconds until, const std::string& why) {
    spdlog::error(
        "ACCOUNT PROBLEM on the {} channel ({}): {}. This worker stops sending {} until {} and "
        "hands its jobs back; fix the account.",
        to_string(channel_), sender_.name(), why, to_string(channel_),
        format_instant(until, date::locate_zone("UTC")));
    paused_until_ = until;
    // Jobs queued to this worker are not taken: the scheduler dispatches them
    // again after their deadline (nobody began sending them).
    jobs_in_.close();
}

void Worker::report(const JobMessage& job, SendResult result, bool record,
                    std::optional<SysSeconds> unsure) {
    const SysSeconds now = clock_.now();
    ResultMessage r{job.store,
                    job.job_id,
                    result.outcome,
                    std::string(sender_.name()),
                    result.provider_ref,
                    result.error,
                    result.retry_at,
                    now,
                    name_};
    metrics_.reported(job, result.outcome);
    switch (result.outcome) {
        case Outcome::sent:
            ++stats_.sent;
            note_receipt_wait(job, result.provider_ref, now);
            break;
        case Outcome::retry:
        case Outcome::account_problem:
            ++stats_.retried;
            break;
        case Outcome::deferred:
            ++stats_.deferred;
            break;
        case Outcome::expired:
            ++stats_.expired;
            break;
        case Outcome::unknown:
            ++stats_.unknown;
            break;
        case Outcome::declined:
            break;
        default:
            ++stats_.failed;
            break;
    }
    const std::string to = mask_recipient(job.channel, job.to);
    spdlog::info("{} {} → {}: {}{}", job.store, job.job_id, to, to_string(result.outcome),
                 result.error.empty() ? "" : " (" + result.error + ")");
    pending_.push_back(Pending{Recording{std::move(r), unsure}, record, job.attempt});
}

void Worker::note_receipt_wait(const JobMessage& job, const std::string& provider_ref,
                               SysSeconds now) {
    if (!receipts_) return;
    try {
        receipts_->await(job, provider_ref, now);
    } catch (const std::exception& e) {
        // The message went; only its receipt may not find it.
        spdlog::warn("{} {}: not noted as awaiting a receipt: {}", job.store, job.job_id, e.what());
    }
}

void Worker::flush() {
    std::vector<Recording> records;
    for (const auto& p : pending_) {
        if (p.record && !p.recorded) records.push_back(p.recording);
    }
    if (!records.empty()) {
        try {
            jobs_.record_many(records);
            for (auto& p : pending_)
                p.recorded = true;
        } catch (const RedisReplyError& e) {
            // Not an outage: said once, loudly; the scheduler tries the
            // same records from the result messages and says so too.
            spdlog::error("{} (a bug or damaged data, not an outage) for {} results", e.what(),
                          records.size());
        } catch (const RedisError& e) {
            // The scheduler records them from the result messages below.
            spdlog::warn("could not record {} results in Redis ({}); the scheduler will",
                         records.size(), e.what());
        }
    }
    push_pending();
}

void Worker::push_pending() {
    for (auto& p : pending_) {
        // The scheduler records only what could not be recorded here.
        p.recording.result.recorded = !p.record || p.recorded;
        if (!send_frames(results_out_, encode(p.recording.result))) {
            spdlog::warn("result queue full; {} is recorded in Redis only",
                         p.recording.result.job_id);
        }
    }
    pending_.clear();
}

void Worker::run() {
    RedisOutage outage;
    while (!stop_requested()) {
        try {
            poll(std::chrono::milliseconds(200));
            if (outage.ongoing()) metrics_.redis_reconnected();
            outage.reached();
        } catch (const RedisError& e) {
            outage.recover(redis_, e);
        } catch (const RedisReplyError& e) {
            // Redis is there and refused something the jobs did not answer
            // for already: say so and go on; reconnecting would not help.
            spdlog::error("{} (a bug or damaged data, not an outage)", e.what());
        }
    }
    try {
        if (const auto n = hand_back_queued())
            spdlog::info("stopping: handed back {} queued jobs", n);
    } catch (const RedisError& e) {
        spdlog::warn("stopping with Redis away ({}): queued jobs go again after their ack timeout",
                     e.what());
    } catch (const RedisReplyError& e) {
        spdlog::error("stopping: {}; queued jobs go again after their ack timeout", e.what());
    }
}

std::size_t Worker::hand_back_queued() {
    std::vector<std::vector<std::string>> queued;
    std::vector<JobMessage> jobs = std::move(held_);  // a batch held over an outage
    held_.clear();
    // Take what is queued until nothing more comes for a moment (ZeroMQ
    // refills the queue from the network as it empties), stop the scheduler
    // from pushing more, then take what arrived meanwhile. What was still on
    // the wire comes back after its ack timeout. (A paused worker has closed
    // its queue already.)
    if (jobs_in_.handle() != nullptr) {
        // Real time: how long the network takes to bring what was on the wire.
        const auto give_up = std::chrono::steady_clock::now() + 2s;
        for (;;) {
            while (auto frames = receive_frames(jobs_in_))
                queued.push_back(std::move(*frames));
            zmq::pollitem_t items[] = {{jobs_in_.handle(), 0, ZMQ_POLLIN, 0}};
            try {
                if (zmq::poll(items, 1, 100ms) == 0) break;
            } catch (const zmq::error_t& e) {
                if (e.num() != EINTR) throw;
            }
            if (std::chrono::steady_clock::now() >= give_up) break;
        }
        for (const auto& e : split_endpoints(job_endpoint_))
            jobs_in_.disconnect(e);
        while (auto frames = receive_frames(jobs_in_))
            queued.push_back(std::move(*frames));
    }
    std::size_t handed = 0;
    const SysSeconds now = clock_.now();
    for (const auto& frames : queued) {
        auto decoded = decode_job(frame_views(frames));
        if (decoded.message) jobs.push_back(std::move(*decoded.message));
    }
    for (const auto& job : jobs) {
        if (jobs_.hand_back(job.store, job.job_id, job.attempt, name_, now)) ++handed;
    }
    stats_.handed_back += handed;
    return handed;
}

}  // namespace huitou
