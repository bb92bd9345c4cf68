#include "scheduler/scheduler.h"

#include <algorithm>
#include <deque>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/backoff.h"
#include "core/job_render.h"
#include "core/next_wakeup.h"
#include "core/send_window.h"
#include "core/separated_list.h"
#include "core/visit_wire.h"
#include "core/wire.h"
#include "io/care_store.h"
#include "io/effect_store.h"
#include "io/job_migration.h"
#include "io/program_setup.h"
#include "io/redis_outage.h"
#include "io/segment_store.h"
#include "io/sheet_store.h"
#include "io/zmq_frames.h"

namespace huitou {
namespace {

std::vector<std::string> store_ids(const Config& config) {
    std::vector<std::string> ids;
    for (const auto& [id, store] : config.stores)
        ids.push_back(id);
    return ids;
}

zmq::socket_t bind_socket(zmq::context_t& zmq, zmq::socket_type type, const std::string& endpoint,
                          const CurveKeys& curve = {}) {
    zmq::socket_t socket(zmq, type);
    make_curve_server(socket, curve);
    socket.set(zmq::sockopt::linger, 0);  // unsent jobs are safe in Redis
    if (type == zmq::socket_type::push) {
        socket.set(zmq::sockopt::immediate, true);  // queue only to connected workers
        socket.set(zmq::sockopt::sndhwm, 200);
    }
    try {
        socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw ConfigError("cannot bind " + endpoint + ": " + e.what());
    }
    return socket;
}

// A store's once-a-day steps — its day planned, then its members' value
// segments, then its care list — each run once a local day, and each only
// after the step before it is done that day. `done` holds the day each store
// did this step (the step marks it, once all of it went through), `before`
// the day it did the step before (null for the first); `applies` says which
// stores take the step. A step stopped halfway (PlanningStopped: the lease
// lost, a stop asked) is taken up again at a later turn, as `again` tells
// the log. Returns false when the scheduler is asked to stop.
template <class Applies, class Step>
bool each_store_once_a_day(const Config& config, SysSeconds now, std::string_view what,
                           std::string_view again, const std::map<std::string, Date>& done,
                           const std::map<std::string, Date>* before, Applies applies, Step step) {
    for (const auto& [id, store] : config.stores) {
        if (!applies(store)) continue;
        const Date today = local_date(now, store.zone);
        const auto is_today = [&](const std::map<std::string, Date>& days) {
            const auto it = days.find(id);
            return it != days.end() && it->second == today;
        };
        if ((before && !is_today(*before)) || is_today(done)) continue;
        try {
            step(store, today);
        } catch (const PlanningStopped& stopped) {
            spdlog::info("{} {}: {} stopped halfway ({}); {}", id, format_date(today), what,
                         stopped.why, again);
            if (stop_requested()) return false;
        }
    }
    return true;
}

std::string summary(const std::map<std::string, std::size_t>& counts) {
    std::string out;
    for (const auto& [k, v] : counts)
        out += (out.empty() ? "" : ", ") + k + " " + std::to_string(v);
    return out.empty() ? "none" : out;
}

}  // namespace

Scheduler::Scheduler(const Config& config, const TemplateSet& templates, RedisConnection& redis,
                     zmq::context_t& zmq, const Clock& clock)
    : config_(config),
      templates_(templates),
      redis_(redis),
      clock_(clock),
      planner_(redis, config, templates, static_cast<std::size_t>(config.scheduler.plan_batch)),
      jobs_(redis, config.scheduler),
      visit_store_(redis, config),
      parked_(redis, config),
      winbacks_(redis, config.scheduler),
      zmq_(zmq),
      curve_(load_curve_keys(config.curve, true)),
      zap_(curve_.enabled ? std::make_unique<ZapAuthenticator>(zmq, config.curve.allowed_clients)
                          : nullptr),
      sms_(bind_socket(zmq, zmq::socket_type::push, config.endpoints.sms, curve_)),
      wechat_(bind_socket(zmq, zmq::socket_type::push, config.endpoints.wechat, curve_)),
      results_(bind_socket(zmq, zmq::socket_type::pull, config.endpoints.results, curve_)),
      flow_(static_cast<std::size_t>(std::max(1, config.scheduler.dispatch_batch)),
            config.scheduler.ack_timeout),
      leases_(redis, store_ids(config), config.scheduler.lease),
      retry_delay_(config.scheduler.retry_delay) {}

std::string Scheduler::job_endpoint(Channel channel) const {
    return (channel == Channel::sms ? sms_ : wechat_).get(zmq::sockopt::last_endpoint);
}

std::string Scheduler::results_endpoint() const {
    return results_.get(zmq::sockopt::last_endpoint);
}

zmq::socket_t& Scheduler::socket_for(Channel channel) {
    return channel == Channel::sms ? sms_ : wechat_;
}

DaySheets Scheduler::day_sheets(const StoreConfig& store, const Date& day) {
    SheetStore sheets(redis_);
    if (sheets.layout(store.id) != sheet_layout) return {};
    return sheets.sheets_for_day(store.id, day, planner_.expected_jobs(store, day));
}

void Scheduler::expire_sheets(const StoreConfig& store, const Date& day, const DaySheets& sheets) {
    // A day's records are read as long as a job hash would be (jobs,
    // results: its day's end plus the job retention) and as long as the
    // effect report reads the day's messages (effect.keep_days): they are
    // its messages, a store on day sheets writes no touch for them.
    const SysSeconds day_end = start_of_day(Date{date::sys_days{day} + date::days{1}}, store.zone);
    // A few days more, so that forget_sent_records finds the claimed
    // records' sent times after a scheduler's absence.
    const auto kept =
        std::max<std::chrono::seconds>(config_.scheduler.job_retention,
                                       date::days{store.effect.keep_days + sent_times_grace_days});
    SheetStore(redis_).expire_day(store.id, day, sheets, day_end + kept);
}

PlanReport Scheduler::plan_day(const StoreConfig& store, const Date& day,
                               const std::function<void()>& between_batches) {
    PlanReport report;
    const SysSeconds now = clock_.now();
    // The store's layout decides where the jobs go: none, a hash a job;
    // else records of the day's sheets in each shard.
    const DaySheets sheets = day_sheets(store, day);
    const SysSeconds day_start = start_of_day(day, store.zone);
    // The jobs go on a connection of their own, a batch behind: Redis creates
    // one batch's jobs while the next batch is read and planned.
    RedisConnection writer(redis_.endpoint());
    JobStore creator(writer, config_.scheduler);
    SheetStore recorder(writer);
    std::deque<std::vector<Job>> sent;
    auto collect = [&] {
        const auto created =
            !sheets.empty() ? recorder.collect_planned() : creator.collect_created();
        report.created += created;
        metrics_.planned(sent.front(), created);
        sent.pop_front();
    };
    const auto plan_batch = [&](OccasionBatch& batch) {
        report.members_read += batch.members_read;
        std::vector<Job> jobs;
        std::vector<Job> hashed;  // announcements: a hash a job in both layouts
        for (auto& [member, name, v] : batch.verdicts) {
            ++report.candidates;
            ++report.occasions[std::string(to_string(v.kind))];
            if (!v.job || v.job->state == JobState::held) ++report.skipped[v.reason];
            if (!v.job) ++report.left_out[std::string(to_string(v.kind)) + "|" + v.reason];
            if (!v.job) continue;
            // An announcement's job stays a hash even on day sheets: its
            // cancel finds it by id (io/announcement_store.h), and dispatch's
            // render (core/job_render.h) rebuilds occasions from the config,
            // which holds no announcement. A hash keeps the planned words.
            if (!sheets.empty() && v.job->kind == Kind::announcement)
                hashed.push_back(std::move(*v.job));
            else
                jobs.push_back(std::move(*v.job));
        }
        if (!hashed.empty()) {
            const auto created = jobs_.create(hashed);
            report.created += created;
            metrics_.planned(hashed, created);
        }
        if (!sheets.empty())
            recorder.send_plan(store.id, day, day_start, sheets, jobs);
        else
            creator.send_create(jobs);
        sent.push_back(std::move(jobs));
        if (sent.size() > 1) collect();
        if (between_batches) between_batches();
    };
    planner_.occasions(store, day, now, plan_batch, sheets);
    while (!sent.empty())
        collect();
    if (!sheets.empty()) expire_sheets(store, day, sheets);
    stats_.planned += report.created;
    spdlog::info("{} {}: occasions: {}; {} new jobs ({} members read), no message: {}", store.id,
                 format_date(day), summary(report.occasions), report.created, report.members_read,
                 summary(report.skipped));
    return report;
}

WinbackReport Scheduler::plan_winbacks(const StoreConfig& store, const Date& day,
                                       const std::function<void()>& between_batches) {
    WinbackReport report;
    const SysSeconds now = clock_.now();
    // Win-back reminders stay one hash a job in both layouts: a visit must
    // cancel a planned reminder of the absence it ends (record_visit.lua,
    // winback_transition.lua find it by its id), and a record's place
    // (its sheet) cannot be computed in Lua. They are a few a day, not a
    // festival's hundreds of thousands; the claim takes hashes and records
    // alike.
    const auto plan_batch = [&](WinbackBatch& batch) {
        report.candidates += batch.candidates;
        for (const auto& [k, n] : batch.actions)
            report.actions[k] += n;
        for (const auto& [k, n] : batch.reasons)
            report.reasons[k] += n;
        std::vector<Job> jobs;
        for (const auto& t : batch.transitions) {
            if (t.step.job) jobs.push_back(*t.step.job);
        }
        // Jobs first, then the steps: a step never claims a reminder that is not there.
        report.created += jobs_.create(jobs);
        for (const bool applied : winbacks_.apply(store.id, batch.transitions, now)) {
            if (!applied) ++report.conflicts;
        }
        if (between_batches) between_batches();
    };
    planner_.winbacks(store, day, now, plan_batch);
    stats_.planned += report.created;
    metrics_.planned_winbacks(store.id, report.created);
    if (report.candidates > 0) {
        spdlog::info("{} {}: {} win-back candidates, {} new jobs, steps: {}, no message: {}{}",
                     store.id, format_date(day), report.candidates, report.created,
                     summary(report.actions), summary(report.reasons),
                     report.conflicts ? fmt::format(", {} changed meanwhile", report.conflicts)
                                      : std::string{});
    }
    return report;
}

void Scheduler::plan_due_days(SysSeconds now) {
    const auto serve = [this](const StoreConfig& store) {
        return serves(store.id) && !paused_by_reshard(store.id, frozen_plan_pause);
    };
    // Planned again next turn if refused or stopped: planning is
    // idempotent (job ids are stable), and the day counts as planned,
    // with its skips noted and the effect records trimmed, only once
    // all of it was.
    const bool planned = each_store_once_a_day(
        config_, now, "planning",
        "it is planned again, creating nothing twice, by whoever serves the store next",
        planned_day_, nullptr, serve, [&](const StoreConfig& store, Date today) {
            const auto between = between_batches_of(store.id);
            for_store(store.id, "plan", [&] {
                if (config_.scheduler.job_storage == JobStorage::sheets)
                    move_to_sheets(store, today, between);
                auto left_out = plan_day(store, today, between).left_out;
                for (const auto& [reason, n] : plan_winbacks(store, today, between).reasons)
                    left_out["winback|" + reason] += static_cast<long long>(n);
                // What the day left out, for the console's results by month;
                // kept as long as the effect report's records.
                EffectStore(redis_).note_skips(
                    store.id, today, left_out,
                    start_of_day(
                        Date{date::sys_days{today} + date::days{store.effect.keep_days + 1}},
                        store.zone));
                // The effect report's records older than the store keeps them.
                const auto cutoff = start_of_day(
                    Date{date::sys_days{today} - date::days{store.effect.keep_days}}, store.zone);
                const Date cutoff_day{date::sys_days{today} - date::days{store.effect.keep_days}};
                if (const auto n = EffectStore(redis_).trim(store.id, cutoff) +
                                   EffectStore(redis_).forget_sent_records(store.id, cutoff_day))
                    spdlog::info(
                        "{}: {} messages older than {} days forgotten by the effect report",
                        store.id, n, store.effect.keep_days);
                planned_day_.insert_or_assign(store.id, today);
            });
        });
    if (!planned) return;
    // The members' value segments (io/segment_store.h), once a store's day
    // is planned: a slice at a time with a loop turn between two, as planning.
    const bool segmented = each_store_once_a_day(
        config_, now, "value segments", "taken up again next turn", segmented_day_, &planned_day_,
        serve, [&](const StoreConfig& store, Date today) {
            const auto between = between_batches_of(store.id);
            for_store(store.id, "segments", [&] {
                const auto r = SegmentStore(redis_, config_).recompute(store, today, between);
                if (r.ran)
                    spdlog::info(
                        "{} {}: value segments of {} members ({} with a visit in the "
                        "period), in {} slices",
                        store.id, format_date(today), r.members, r.scored, r.slices);
                segmented_day_.insert_or_assign(store.id, today);
            });
        });
    if (!segmented) return;
    // The staff's care list (io/care_store.h), once a store's segments are
    // today's; then posted to the store's robot, within its calling hours.
    const bool cared = each_store_once_a_day(
        config_, now, "care list", "taken up again next turn", cared_day_, &segmented_day_,
        [&](const StoreConfig& store) { return store.care.enabled && serve(store); },
        [&](const StoreConfig& store, Date today) {
            const auto between = between_batches_of(store.id);
            for_store(store.id, "care", [&] {
                const auto r = CareStore(redis_, config_).build(store, today, now, between);
                if (r.built)
                    spdlog::info(
                        "{} {}: care list of {} calls ({} due, {} members of its segments "
                        "read)",
                        store.id, format_date(today), r.listed, r.due, r.read);
                cared_day_.insert_or_assign(store.id, today);
            });
        });
    if (!cared) return;
    push_care_lists(now);
}

std::function<void()> Scheduler::between_batches_of(const std::string& store) {
    if (!serve_while_planning_) return {};
    return [this, store] { serve_between_batches(store); };
}

void Scheduler::push_care_lists(SysSeconds now) {
    for (const auto& [id, store] : config_.stores) {
        if (!store.care.enabled || !store.care.has_robot() || !serves(id)) continue;
        const Date today = local_date(now, store.zone);
        const auto cared = cared_day_.find(id);
        if (cared == cared_day_.end() || cared->second != today) continue;
        if (const auto p = care_pushed_day_.find(id);
            p != care_pushed_day_.end() && p->second == today)
            continue;
        // Within the store's calling hours only: from the first opening to
        // the last close (a list pushed at midnight wakes nobody kindly).
        const auto open = open_intervals(store.care.hours, today, store.zone);
        if (open.empty() || now < open.front().begin || now >= open.back().end) continue;
        auto& retry = care_robot_retry_[id];
        if (retry.day != today) retry = CareRobotRetry{today};
        if (retry.failures > 0 && now < retry.again) continue;
        for_store(id, "care robot", [&, &store = store] {
            CareStore care(redis_, config_);
            const auto day = care.day(store, today);
            if (!day) return;
            if (day->pushed_at) {  // another replica, or before a restart
                care_pushed_day_.insert_or_assign(id, today);
                return;
            }
            std::string why;
            try {
                const auto posted = care_robot_.post(store, *day, retry.parts_taken);
                retry.parts_taken = posted.taken;  // a retry goes on from the next part
                why = posted.why;
            } catch (const ConfigError& e) {
                why = e.what();
            }
            if (why.empty()) {
                care.note_pushed(store.id, today, now);
                care_pushed_day_.insert_or_assign(id, today);
                care_robot_retry_.erase(id);
                spdlog::info("{} {}: care list of {} calls posted to the group robot", id,
                             format_date(today), day->rows.size());
                return;
            }
            ++retry.failures;
            BackoffConfig backoff;
            backoff.base = std::chrono::seconds(60);
            backoff.cap = std::chrono::seconds(1800);
            retry.again = now + retry_backoff(retry.failures, backoff, 0.5);
            spdlog::warn("{} {}: the group robot did not take the care list ({}); again at {}", id,
                         format_date(today), why, format_instant(retry.again, store.zone));
        });
    }
}

void Scheduler::move_to_sheets(const StoreConfig& store, const Date& today,
                               const std::function<void()>& between_steps) {
    if (SheetStore(redis_).layout(store.id) == sheet_layout) return;
    // In steps of a planning batch, with a loop turn between two, as
    // planning: today's job hashes get their records (io/job_migration.h),
    // then the layout changes; a new store changes at the first step.
    JobMigration migration(redis_);
    const SysSeconds day_start = start_of_day(today, store.zone);
    const std::size_t expected = planner_.expected_jobs(store, today);
    const auto budget = static_cast<std::size_t>(config_.scheduler.plan_batch);
    std::size_t steps = 1;
    while (!migration.step(store.id, today, day_start, expected, budget)) {
        ++steps;
        if (between_steps) between_steps();
    }
    spdlog::info(
        "{}: jobs are kept in day sheets from now on (moved in {} steps; today's job hashes go "
        "on as they were)",
        store.id, steps);
}

// Planning on the loop's thread, in batches, with a loop turn between two
// batches — rather than a planning thread: the planner needs nothing
// resumable (a batch already ends in a callback with the planner's
// connection free, day_planner.h), no state is shared between threads (the
// flow, the stats, planned_day_, the leases all stay on one thread), and a
// stop or a lost lease ends planning at a batch boundary. A festival day of
// hundreds of thousands of members then delays a result, a visit or a
// dispatch by one batch of planning (scheduler.plan_batch members), not by
// the whole day.
void Scheduler::serve_between_batches(const std::string& store) {
    if (stop_requested()) throw PlanningStopped{"a stop was requested"};
    // A refusal outside a store's steps (leases, visits) is said and the
    // turn goes on, as in run(); it must not end the planning.
    auto said = [&](const RedisReplyError& e) {
        metrics_.redis_refused(e.request());
        spdlog::error("{} (a bug or damaged data, not an outage)", e.what());
    };
    try {
        if (use_leases_) refresh_leases();
    } catch (const RedisReplyError& e) {
        said(e);
    }
    if (!serves(store)) throw PlanningStopped{"its lease is lost"};
    const SysSeconds now = clock_.now();
    requeue_overdue(now);
    dispatch_due(now);
    handle_results(std::chrono::milliseconds(0));
    try {
        handle_visits();
    } catch (const RedisReplyError& e) {
        said(e);
    }
    ++stats_.turns_while_planning;
}

void Scheduler::refresh_leases() {
    // A store just taken over is planned again: idempotent, and the
    // replica that had it may have died halfway through its day.
    for (const auto& store : leases_.refresh()) {
        planned_day_.erase(store);
        segmented_day_.erase(store);  // its segments too, if cut halfway
    }
    std::lock_guard lock(served_mutex_);
    served_until_ = leases_.held_until();
}

bool Scheduler::for_store(const std::string& store, std::string_view step,
                          const std::function<void()>& work) {
    try {
        work();
        return true;
    } catch (const StoreFrozen& e) {
        // Real time, as for the refusals' log below.
        const auto now = std::chrono::steady_clock::now();
        frozen_at_.insert_or_assign(store, now);
        // A pipelined step leaves replies behind; the connection goes on.
        while (redis_.pending() > 0)
            redis_.read();
        auto& logged = refusal_logged_[store + "|" + std::string(step) + "|frozen " + e.phase()];
        if (logged == std::chrono::steady_clock::time_point{} ||
            now - logged >= std::chrono::minutes(1)) {
            logged = now;
            spdlog::info("{}: {} waits: {}", store, step, e.what());
        }
        return false;
    } catch (const RedisReplyError& e) {
        metrics_.redis_refused(e.request());
        // Real time: this bounds the log's volume, whatever the clock shows.
        const auto now = std::chrono::steady_clock::now();
        auto& logged = refusal_logged_[store + "|" + std::string(step) + "|" + e.what()];
        if (logged == std::chrono::steady_clock::time_point{} ||
            now - logged >= std::chrono::minutes(1)) {
            logged = now;
            spdlog::error(
                "{}: {} ({}; a bug or damaged data, not an outage: this store's {} is skipped "
                "this turn, the other stores go on)",
                store, e.what(), step, step);
        }
        return false;
    }
}

bool Scheduler::paused_by_reshard(const std::string& store, std::chrono::seconds pause) const {
    // The record read with the lease says so first; a fence met says so to
    // a replica that has not read it yet (and under --once, which holds no lease).
    if (use_leases_ && leases_.resharding(store)) return true;
    const auto it = frozen_at_.find(store);
    return it != frozen_at_.end() && std::chrono::steady_clock::now() < it->second + pause;
}

void Scheduler::listen_for_visits() {
    if (config_.endpoints.visits.empty() || visits_.handle() != nullptr) return;
    visits_ = bind_socket(zmq_, zmq::socket_type::pull, config_.endpoints.visits);
    visits_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_body_bytes + 1024));
}

std::string Scheduler::visits_endpoint() const {
    return visits_.handle() ? visits_.get(zmq::sockopt::last_endpoint) : std::string{};
}

std::size_t Scheduler::handle_visits() {
    if (visits_.handle() == nullptr) return 0;
    std::vector<Visit> batch;
    while (auto frames = receive_frames(visits_)) {
        const auto decoded = decode_visit(frame_views(*frames));
        if (!decoded.message) {
            ++stats_.bad_visits;
            metrics_.dropped("visit");
            spdlog::warn("dropped a malformed visit message: {}", decoded.error);
            continue;
        }
        auto checked = make_visit(*decoded.message, config_, clock_.now());
        if (!checked.visit) {
            ++stats_.bad_visits;
            metrics_.dropped("visit");
            spdlog::warn("dropped a visit: {}", checked.error);
            continue;
        }
        batch.push_back(std::move(*checked.visit));
        if (batch.size() >= 1000) break;  // the rest on the next turn
    }
    if (batch.empty()) return 0;
    // A store at a time: one a reshard holds parks its visits (the feed
    // cannot be asked to send them again), the others record theirs.
    std::map<std::string, std::vector<Visit>> by_store;
    for (auto& v : batch)
        by_store[v.store].push_back(std::move(v));
    for (const auto& [store, visits] : by_store) {
        std::vector<VisitRecorded> recorded;
        try {
            const std::vector<ParkedEvent> events(visits.begin(), visits.end());
            const bool parked = parked_.apply_or_park(store, events, [&, &visits = visits] {
                recorded = visit_store_.record(visits, clock_.now());
            });
            if (parked) {
                spdlog::info("{}: {} visits from the feed parked: the store is being resharded",
                             store, visits.size());
                stats_.visits_parked += visits.size();
                visit_store_.note_arrival(visits, clock_.now(), "zmq");  // the POS is alive
                continue;
            }
        } catch (const StoreFrozen& e) {
            // The fence is up with no phase that parks: not a reshard of
            // this build. The other stores' visits are recorded; these are
            // not, and said so.
            spdlog::warn("{}: {} visits from the feed not recorded: {}", store, visits.size(),
                         e.what());
            continue;
        }
        visit_store_.note_arrival(visits, clock_.now(), "zmq");
        stats_.visits += visits.size();
        metrics_.visits(visits.size());
        for (std::size_t i = 0; i < recorded.size(); ++i) {
            spdlog::debug("{} {}: visit {} ({}{})", visits[i].store, visits[i].member_id,
                          to_string(recorded[i].outcome), to_string(recorded[i].state),
                          recorded[i].cancelled ? ", reminders cancelled" : "");
        }
    }
    return batch.size();
}

void Scheduler::requeue_overdue(SysSeconds now) {
    // A job pushed to a worker that died never gets a result here: forget it
    // when Redis would dispatch it again, so that it does not hold the flow.
    flow_.forget_stale(clock_.monotonic());
    for (const auto& [id, store] : config_.stores) {
        if (!serves(id)) continue;
        for_store(id, "requeue", [&, &id = id] {
            const auto r = jobs_.requeue_overdue(id, now, config_.scheduler.dispatch_batch);
            if (r.requeued || r.unknown) {
                spdlog::warn("{}: {} jobs without a result dispatched again, {} of unknown fate",
                             id, r.requeued, r.unknown);
            }
            if (!r.noted.empty()) {
                // Their worker noted how each call went and died before its
                // batch's record: the notes are the results.
                jobs_.record_many(r.noted);
                spdlog::warn("{}: {} results a worker noted and did not record, recorded", id,
                             r.noted.size());
                for (const auto& n : r.noted)
                    flow_.landed(id + "|" + n.result.job_id);
                stats_.noted += r.noted.size();
            }
            // Their results will not come (their worker died, or a late one
            // is recorded by Redis's rules): they must not hold the flow.
            for (const auto& job_id : r.landed)
                flow_.landed(id + "|" + job_id);
            stats_.requeued += static_cast<std::size_t>(r.requeued);
            stats_.unknown += static_cast<std::size_t>(r.unknown);
            // A store over K > 1 shards: opt-out copies a crash left undone
            // (io/consent_store.h); nothing at all for K = 1.
            if (const auto n = ConsentStore(redis_, config_).repair_opt_outs(id, now))
                spdlog::warn("{}: {} opt-outs copied into every shard after an interruption", id,
                             n);
        });
    }
}

std::size_t Scheduler::dispatch_due(SysSeconds now) {
    std::size_t pushed = 0;
    auto writable = [](zmq::socket_t& s) {
        return (s.get(zmq::sockopt::events) & ZMQ_POLLOUT) != 0;
    };
    // How much may be in flight, and which channels are busy, is the flow's
    // decision (core/dispatch_flow.h); here are the sockets and Redis.
    flow_.begin_round(clock_.monotonic());
    for (const auto& [id, store] : config_.stores) {
        if (!serves(id) || paused_by_reshard(id, frozen_pause)) continue;
        for_store(id, "dispatch", [&, &id = id, &store = store] {
            std::set<Channel> blocked;  // channels that would block this round
            // The policy holds at dispatch too: windows, consent, caps (claim_due.lua).
            const DispatchRules rules = dispatch_rules(store, now);
            // Only as much in flight as the workers can send before the ack
            // timeout; the rest waits in Redis rather than in socket buffers.
            long long store_room = config_.scheduler.max_in_flight - jobs_.count_in_flight(id);
            for (;;) {
                const std::size_t size = flow_.claim_size(clock_.monotonic(), store_room,
                                                          writable(sms_) || writable(wechat_));
                if (size == 0) break;
                const int limit = static_cast<int>(size);
                auto claim = jobs_.claim_due(id, now, limit, &rules);
                store_room -= static_cast<long long>(claim.jobs.size());
                // Jobs planned as records (and their retries) come without
                // words: written now, from the member as the claim read her.
                const auto unwritten = write_words(store, claim, now);
                stats_.expired += static_cast<std::size_t>(claim.expired);
                stats_.cancelled += static_cast<std::size_t>(claim.cancelled);
                stats_.outside_window += static_cast<std::size_t>(claim.deferred);
                metrics_.expired(id, claim.expired);
                if (claim.expired)
                    spdlog::warn("{}: {} jobs expired before they could go", id, claim.expired);
                if (claim.cancelled) {
                    spdlog::info(
                        "{}: {} jobs cancelled at dispatch (opted out, no consent, or over "
                        "a cap since planning)",
                        id, claim.cancelled);
                }
                std::vector<std::pair<const Job*, SysSeconds>> back;
                for (const auto& job : claim.jobs) {
                    JobMessage m{job.store, job.id,   job.member_id, job.kind,     job.channel,
                                 job.to,    job.text, job.params,    job.attempts, job.expires_at};
                    if (!blocked.contains(job.channel) &&
                        send_frames(socket_for(job.channel), encode(m))) {
                        ++pushed;
                        metrics_.dispatched(job);
                        flow_.pushed(job.channel, job.store + "|" + job.id, clock_.monotonic());
                        continue;
                    }
                    if (!blocked.contains(job.channel))
                        flow_.push_blocked(job.channel, clock_.monotonic());
                    blocked.insert(job.channel);
                    back.emplace_back(
                        &job, flow_.due_again(job.channel, clock_.monotonic(), now, retry_delay_));
                    metrics_.deferred(job);
                }
                jobs_.hand_back_many(back);
                stats_.deferred += back.size();
                // The claim's limit counts every job it took, sent here or not.
                const auto taken = static_cast<long long>(claim.jobs.size() + unwritten) +
                                   claim.expired + claim.failed + claim.cancelled + claim.deferred;
                if (taken < limit) break;
                if (!blocked.empty()) break;  // the next claim would come back too
            }
            for (const Channel c : blocked) {
                spdlog::debug("{}: no {} worker could take more jobs", id, to_string(c));
            }
        });
    }
    stats_.dispatched += pushed;
    return pushed;
}

std::size_t Scheduler::write_words(const StoreConfig& store, ClaimResult& claim, SysSeconds now) {
    std::shared_ptr<const TemplateSet> templates;  // read once a claim, when needed
    std::vector<Recording> ended;
    std::vector<Job> written;
    written.reserve(claim.jobs.size());
    for (auto& job : claim.jobs) {
        if (!job.text.empty()) {  // planned as a hash: its words were written then
            written.push_back(std::move(job));
            continue;
        }
        if (!templates) templates = planner_.templates_for(store);
        std::string problem;
        if (const auto m = claim.members.find(job.member_id); m == claim.members.end()) {
            problem = "the member is gone (erased since planning)";
        } else {
            // The day it is due on is the day its occasions were planned for.
            const auto merged = job.params.find("merged");
            auto words =
                render_job(member_from_fields(store.id, job.member_id, m->second), config_, store,
                           *templates, local_date(job.due_at, store.zone), job.id, job.channel,
                           merged == job.params.end() ? std::vector<std::string>{}
                                                      : split_list(merged->second, ' '));
            if (words.text) {
                job.text = std::move(*words.text);
                job.params = std::move(words.params);
                written.push_back(std::move(job));
                continue;
            }
            problem = std::move(words.problem);
        }
        // Not pushed: a message that cannot be written as planned is not
        // guessed at. It ends failed, with why, as a provider's refusal
        // would (webhooks, `huitou dlq`).
        spdlog::error("{} {}: not sent, its words cannot be written: {}", store.id, job.id,
                      problem);
        ended.push_back({ResultMessage{store.id,
                                       job.id,
                                       Outcome::failed,
                                       "scheduler",
                                       {},
                                       problem,
                                       std::nullopt,
                                       now,
                                       "scheduler"},
                         std::nullopt});
    }
    claim.jobs = std::move(written);
    if (!ended.empty()) {
        jobs_.record_many(ended);
        stats_.unwritten += ended.size();
    }
    return ended.size();
}

std::size_t Scheduler::handle_results(std::chrono::milliseconds wait) {
    // The visit feed wakes the loop too; handle_visits reads it.
    zmq::pollitem_t items[] = {{results_.handle(), 0, ZMQ_POLLIN, 0},
                               {visits_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
        zmq::poll(items, visits_.handle() ? 2 : 1, wait);
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
    }
    // The results that arrived (up to a bound, so the loop turns) are
    // recorded in one pipelined round trip.
    while (unrecorded_.size() < 4096) {
        auto frames = receive_frames(results_);
        if (!frames) break;
        auto decoded = decode_result(frame_views(*frames));
        if (!decoded.message) {
            ++stats_.bad_messages;
            metrics_.dropped("result");
            spdlog::warn("dropped a malformed result: {}", decoded.error);
            continue;
        }
        if (!config_.find_store(decoded.message->store)) {
            ++stats_.bad_messages;
            metrics_.dropped("result");
            spdlog::warn("dropped a result for unknown store {}", decoded.message->store);
            continue;
        }
        unrecorded_.push_back({std::move(*decoded.message), std::nullopt});
    }
    // A result the worker recorded (the usual case) is only counted here.
    // The rest — from a worker that lost Redis, or an older worker — are
    // recorded in one pipelined round trip. Results read but not yet in
    // Redis stay first in line: one that meets an outage is recorded once
    // Redis is back, never lost.
    std::vector<Recording> results;
    std::size_t handled = 0;
    for (auto& recording : unrecorded_) {
        if (recording.result.recorded) {
            counted(recording.result, std::nullopt);
            ++handled;
        } else {
            results.push_back(std::move(recording));
        }
    }
    unrecorded_.clear();
    if (results.empty()) return handled;
    std::vector<std::optional<JobState>> states;
    try {
        states = jobs_.record_many(results);
    } catch (const RedisError&) {
        unrecorded_.assign(std::make_move_iterator(results.begin()),
                           std::make_move_iterator(results.end()));
        throw;
    } catch (const RedisReplyError& e) {
        // Refused, not away: trying again would be refused again. The jobs
        // stay as Redis has them (requeue_overdue settles them) and the log
        // says which results could not be recorded.
        metrics_.redis_refused(e.request());
        std::string ids;
        for (const auto& r : results)
            ids += (ids.empty() ? "" : " ") + r.result.store + "/" + r.result.job_id;
        spdlog::error("{} (a bug or damaged data, not an outage): {} results not recorded: {}",
                      e.what(), results.size(), ids);
        return handled;
    }
    for (std::size_t i = 0; i < results.size(); ++i)
        counted(results[i].result, states[i] ? to_string(*states[i]) : "missing");
    return handled + results.size();
}

void Scheduler::counted(const ResultMessage& r, std::optional<std::string_view> state) {
    ++stats_.results[std::string(to_string(r.outcome))];
    metrics_.recorded(r);
    flow_.landed(r.store + "|" + r.job_id);
    spdlog::debug("{} {}: {} → {}", r.store, r.job_id, to_string(r.outcome),
                  state ? *state : "recorded by the worker");
}

std::size_t Scheduler::count_due(SysSeconds now) {
    std::size_t due = 0;
    for (const auto& [id, store] : config_.stores) {
        if (!serves(id)) continue;
        for_store(id, "count",
                  [&, &id = id] { due += static_cast<std::size_t>(jobs_.count_due(id, now)); });
    }
    return due;
}

std::chrono::seconds Scheduler::time_to_next_event(SysSeconds now) {
    NextWakeup wakeup(now);
    for (const auto& [id, store] : config_.stores) {
        if (!serves(id)) continue;
        // A store a reshard held lately is looked at again each second (its
        // planning resumes when the pause ends), not when its jobs fall due.
        if (paused_by_reshard(id, frozen_plan_pause)) wakeup.at(now + frozen_pause);
        if (!paused_by_reshard(id, frozen_pause))
            for_store(id, "next due", [&, &id = id] { wakeup.at(jobs_.next_due(id)); });
        // The store's next day, to plan.
        const Date tomorrow{date::sys_days{local_date(now, store.zone)} + date::days{1}};
        wakeup.at(start_of_day(tomorrow, store.zone));
        // The care list's robot post, when one is still to go today.
        if (store.care.enabled && store.care.has_robot()) {
            const Date today = local_date(now, store.zone);
            const auto cared = cared_day_.find(id);
            const auto pushed = care_pushed_day_.find(id);
            if (cared != cared_day_.end() && cared->second == today &&
                (pushed == care_pushed_day_.end() || pushed->second != today)) {
                const auto open = open_intervals(store.care.hours, today, store.zone);
                if (!open.empty() && now < open.back().end) {
                    SysSeconds at = std::max(now, open.front().begin);
                    if (const auto r = care_robot_retry_.find(id); r != care_robot_retry_.end() &&
                                                                   r->second.day == today &&
                                                                   r->second.failures > 0)
                        at = std::max(at, r->second.again);
                    wakeup.at(at);
                }
            }
        }
    }
    return wakeup.clock_wait();
}

bool Scheduler::serves(const std::string& store) const {
    return !use_leases_ || leases_.holds(store);
}

bool Scheduler::serves_now(const std::string& store) const {
    std::lock_guard lock(served_mutex_);
    const auto it = served_until_.find(store);
    // Real time, as the leases are (io/store_leases.h: Redis expires them).
    return it != served_until_.end() && std::chrono::steady_clock::now() < it->second;
}

void Scheduler::run(std::optional<SysSeconds> until) {
    RedisOutage outage;
    use_leases_ = true;
    serve_while_planning_ = true;
    while (!stop_requested()) {
        try {
            const SysSeconds now = clock_.now();
            if (until && now >= *until) break;
            refresh_leases();
            plan_due_days(now);
            requeue_overdue(now);
            dispatch_due(now);
            handle_results(NextWakeup::poll_wait(clock_.real_wait(time_to_next_event(now))));
            handle_visits();
            if (outage.ongoing()) metrics_.redis_reconnected();
            outage.reached();
        } catch (const RedisError& e) {
            outage.recover(redis_, e);
        } catch (const RedisReplyError& e) {
            // Outside a store's steps (leases, visits): said, and the loop
            // goes on; reconnecting would not help. A pause keeps a refusal
            // that repeats every turn from filling the log.
            metrics_.redis_refused(e.request());
            spdlog::error("{} (a bug or damaged data, not an outage)", e.what());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
    // Results that already arrived are recorded before leaving, and the
    // stores handed to another replica at once.
    try {
        handle_results(std::chrono::milliseconds(0));
        {
            std::lock_guard lock(served_mutex_);
            served_until_.clear();
        }
        leases_.release_all();
    } catch (const RedisError& e) {
        spdlog::warn(
            "stopping with Redis away ({}); other replicas take over when the leases "
            "run out",
            e.what());
    } catch (const RedisReplyError& e) {
        spdlog::error("stopping: {}; other replicas take over when the leases run out", e.what());
    }
}

Scheduler::OnceResult Scheduler::run_once() {
    const SysSeconds start = clock_.now();
    retry_delay_ = std::chrono::seconds(0);
    plan_due_days(start);
    requeue_overdue(start);
    // Real time: once_wait bounds how long the command runs.
    const auto deadline = std::chrono::steady_clock::now() + config_.scheduler.once_wait;
    // Workers may still be connecting: a job handed back for lack of a worker
    // is offered again until the deadline.
    for (;;) {
        const SysSeconds now = clock_.now();
        dispatch_due(now);
        handle_results(std::chrono::milliseconds(100));
        const bool done = flow_.in_flight() == 0 && count_due(now) == 0;
        if (done || std::chrono::steady_clock::now() >= deadline || stop_requested()) break;
    }
    return {flow_.in_flight(), count_due(clock_.now())};
}

}  // namespace huitou
