#include "io/job_store.h"

#include <atomic>
#include <cassert>
#include <charconv>
#include <map>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/contact_history.h"
#include "core/sms_text.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"

namespace huitou {

namespace {

// record_result.lua's ARGV for one result after the job id; a note
// (mark_call.lua) is the same, as a JSON array.
std::vector<std::string> result_args(const Recording& recording) {
    const ResultMessage& r = recording.result;
    const auto& unsure = recording.unsure_since;
    return {std::string(to_string(r.outcome)),
            unix_seconds(r.at),
            unix_seconds(r.retry_at.value_or(r.at)),
            r.error,
            r.provider,
            r.provider_ref,
            unsure ? unix_seconds(*unsure) : std::string()};
}

std::optional<SysSeconds> seconds_in(const std::string& text) {
    long long n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return SysSeconds{std::chrono::seconds{n}};
}

// A note as mark_call.lua keeps it, back into the result (nullopt: damaged).
std::optional<Recording> noted_result(const std::string& store, const std::string& job_id,
                                      const std::string& note) {
    const auto json = nlohmann::json::parse(note, nullptr, false);
    if (!json.is_array() || json.size() != 7) return std::nullopt;
    for (const auto& v : json)
        if (!v.is_string()) return std::nullopt;
    const auto field = [&](std::size_t i) { return json[i].get<std::string>(); };
    const auto outcome = parse_outcome(field(0));
    const auto at = seconds_in(field(1));
    const auto retry_at = seconds_in(field(2));
    if (!outcome || !at || !retry_at) return std::nullopt;
    Recording out;
    out.result.store = store;
    out.result.job_id = job_id;
    out.result.outcome = *outcome;
    out.result.at = *at;
    if (*retry_at != *at) out.result.retry_at = *retry_at;
    out.result.error = field(3);
    out.result.provider = field(4);
    out.result.provider_ref = field(5);
    if (!field(6).empty()) {
        out.unsure_since = seconds_in(field(6));
        if (!out.unsure_since) return std::nullopt;
    }
    out.result.worker = "(noted)";
    return out;
}

}  // namespace
namespace {

// Jobs per create_job call: a call of 500 runs in a few milliseconds, and
// its one ZADD of 1,000 values stays well under what Lua's unpack takes
// (about 8,000).
constexpr std::size_t kCreatesPerCall = 500;

}  // namespace

JobStore::JobStore(RedisConnection& redis, const SchedulerConfig& config)
    : redis_(redis),
      config_(config),
      create_("create_job"),
      claim_("claim_due"),
      hand_back_("hand_back"),
      requeue_("requeue_overdue"),
      begin_("begin_send"),
      mark_("mark_call"),
      record_("record_result"),
      delivery_("record_delivery"),
      cancel_("cancel_jobs") {}

std::size_t JobStore::create(const std::vector<Job>& jobs) {
    std::size_t created = 0;
    for (const auto& reply : create_.run_many(redis_, create_calls(jobs))) {
        reply.expect_ok("create_job");
        created += static_cast<std::size_t>(reply.integer);
    }
    return created;
}

void JobStore::send_create(const std::vector<Job>& jobs) {
    if (!create_loaded_) {
        create_.load(redis_);
        create_loaded_ = true;
    }
    const auto calls = create_calls(jobs);
    for (const auto& call : calls)
        create_.send(redis_, call);
    unread_.push_back(calls.size());
}

std::size_t JobStore::collect_created() {
    assert(!unread_.empty());
    std::vector<RedisReply> replies;
    for (std::size_t i = 0; i < unread_.front(); ++i)
        replies.push_back(redis_.read());
    unread_.pop_front();
    std::size_t created = 0;
    for (const auto& reply : replies) {
        LuaScript::throw_if_frozen(redis_, reply);
        reply.expect_ok("create_job");
        created += static_cast<std::size_t>(reply.integer);
    }
    return created;
}

std::vector<LuaScript::Call> JobStore::create_calls(const std::vector<Job>& jobs) const {
    std::vector<LuaScript::Call> calls;
    std::vector<std::size_t> sizes;           // jobs per call
    std::map<std::string, std::size_t> open;  // shard tag → its call being filled
    for (const auto& job : jobs) {
        const Shard shard = shard_of_job(redis_, job.store, job.id);
        auto it = open.find(shard.tag());
        if (it == open.end() || sizes[it->second] == kCreatesPerCall) {
            calls.push_back(
                {{keys::due(shard), keys::counts(shard)},
                 {keys::shard_prefix(shard), std::to_string(config_.job_retention.count())}});
            calls.back().args.reserve(2 + kCreatesPerCall * 17);
            sizes.push_back(0);
            it = open.insert_or_assign(shard.tag(), calls.size() - 1).first;
        }
        ++sizes[it->second];
        // The values in the order of create_job.lua's `fields`.
        auto& a = calls[it->second].args;
        a.push_back(job.id);
        a.emplace_back(to_string(job.kind));
        a.push_back(job.member_id);
        a.push_back(format_date(job.occasion_date));
        a.emplace_back(job.marketing ? "1" : "0");
        a.emplace_back(to_string(job.channel));
        a.push_back(job.to);
        a.push_back(job.text);
        a.push_back(job.params.empty() ? std::string() : nlohmann::json(job.params).dump());
        a.push_back(unix_seconds(job.due_at));
        a.push_back(unix_seconds(job.expires_at));
        a.emplace_back(to_string(job.state));
        a.push_back(std::to_string(job.attempts));
        a.push_back(job.error);
        a.push_back(unix_seconds(job.created_at));
        a.push_back(std::to_string(job.channel == Channel::sms ? sms_parts(job.text) : 0));
        a.push_back(job.holdout_record);
    }
    return calls;
}

namespace {

// claim_due of one shard of a store (claim_due.lua touches one tag).
ClaimResult claim_shard(RedisConnection& redis, const LuaScript& claim,
                        const SchedulerConfig& config, const Shard& shard, SysSeconds now,
                        int limit, const DispatchRules* rules) {
    const std::string& store = shard.store;
    std::vector<std::string> args{unix_seconds(now),
                                  std::to_string(limit),
                                  unix_seconds(now + config.ack_timeout),
                                  keys::job_prefix(shard),
                                  std::to_string(config.max_attempts),
                                  std::to_string(config.job_retention.count())};
    if (rules) {
        auto intervals = [](const std::vector<OpenInterval>& open) {
            std::string out;
            for (const auto& i : open) {
                out += (out.empty() ? "" : ",") + unix_seconds(i.begin) + "-" + unix_seconds(i.end);
            }
            return out;
        };
        const auto& p = *rules->policy;
        std::string cooldowns;
        for (const auto& [kind, days] : p.cooldown_days)
            cooldowns += std::string(1, kind_letter(kind)) + std::to_string(days) + " ";
        args.insert(args.end(),
                    {keys::member_prefix(shard), std::to_string(rules->today),
                     intervals(rules->sms), intervals(rules->wechat),
                     std::to_string(p.max_per_day) + " " + std::to_string(p.max_per_week) + " " +
                         std::to_string(p.max_per_30_days),
                     cooldowns,
                     std::string(p.caps_apply_to_notices ? "1" : "0") +
                         (p.notices_need_optin ? "1" : "0")});
    }
    std::vector<std::string> claim_keys{keys::due(shard),
                                        keys::inflight(shard),
                                        keys::counts(shard),
                                        keys::opt_outs(shard, "sms"),
                                        keys::opt_outs(shard, "wechat"),
                                        keys::webhooks_on(shard),
                                        keys::webhook_events(shard),
                                        keys::sheet_due(shard)};
    if (rules) {
        // A store that sends only what was approved: the day's record
        // (core/day_approval.h; claim_due.lua checks each job against it).
        args.emplace_back(rules->approval ? "1" : "0");
        if (rules->approval)
            claim_keys.push_back(keys::approval(shard, format_date(*rules->approval)));
        // The day of the records: their times count from its start.
        args.insert(args.end(), {keys::shard_prefix(shard), format_date(rules->day),
                                 unix_seconds(rules->day_start), unix_seconds(rules->day_end)});
    }
    const auto reply = claim.run(redis, claim_keys, args);
    reply.expect_ok("claim_due");
    if (reply.type != RedisReply::Type::array || reply.elements.size() < 5)
        throw RedisReplyError("claim_due", "unexpected reply");
    ClaimResult result;
    result.expired = reply.elements[0].integer;
    result.failed = reply.elements[1].integer;
    result.cancelled = reply.elements[2].integer;
    result.deferred = reply.elements[3].integer;
    const auto& members = reply.elements[4].elements;
    for (std::size_t i = 0; i + 1 < members.size(); i += 2)
        result.members[members[i].str] = field_map(members[i + 1]);
    for (std::size_t i = 5; i + 1 < reply.elements.size(); i += 2) {
        auto job = job_from_fields(store, reply.elements[i].str, field_map(reply.elements[i + 1]));
        if (job) result.jobs.push_back(std::move(*job));
    }
    return result;
}

}  // namespace

ClaimResult JobStore::claim_due(const std::string& store, SysSeconds now, int limit,
                                const DispatchRules* rules) {
    // A store over K shards is claimed shard by shard, up to `limit` in all,
    // beginning one shard further each time so that no shard waits behind
    // the others when the limit is smaller than what is due.
    static std::atomic<unsigned> rotation{0};
    const auto shards = shards_of(redis_, store);
    const std::size_t first = shards.size() == 1 ? 0 : rotation++ % shards.size();
    ClaimResult all;
    std::optional<StoreFrozen> frozen;
    for (std::size_t n = 0; n < shards.size() && limit > 0; ++n) {
        ClaimResult part;
        try {
            part = claim_shard(redis_, claim_, config_, shards[(first + n) % shards.size()], now,
                               limit, rules);
        } catch (const StoreFrozen& e) {
            // Thrown after its reply was read: the connection is clean, and
            // what the other shards gave stays claimed — thrown away here,
            // it would wait in flight for the ack deadline.
            if (!frozen) frozen = e;
            continue;
        }
        limit -= static_cast<int>(part.jobs.size());
        all.expired += part.expired;
        all.failed += part.failed;
        all.cancelled += part.cancelled;
        all.deferred += part.deferred;
        all.members.merge(part.members);
        all.jobs.insert(all.jobs.end(), std::make_move_iterator(part.jobs.begin()),
                        std::make_move_iterator(part.jobs.end()));
    }
    if (frozen && all.jobs.empty() && all.expired + all.failed + all.cancelled + all.deferred == 0)
        throw *frozen;
    return all;
}

std::vector<std::optional<JobState>> JobStore::cancel_planned(
    const std::string& store, const std::vector<std::string>& job_ids, const std::string& error,
    const std::string& reason, SysSeconds now) {
    // One cancel_jobs call a shard, with that shard's jobs.
    std::map<int, std::vector<std::size_t>> by_shard;
    for (std::size_t i = 0; i < job_ids.size(); ++i)
        by_shard[shard_of_job(redis_, store, job_ids[i]).index].push_back(i);
    std::vector<std::optional<JobState>> states(job_ids.size());
    const int k = shard_count(redis_, store);
    for (const auto& [index, items] : by_shard) {
        const Shard shard{store, k, index};
        std::vector<std::string> args{unix_seconds(now), keys::job_prefix(shard),
                                      std::to_string(config_.job_retention.count()), error, reason};
        for (const auto i : items)
            args.push_back(job_ids[i]);
        const auto reply =
            cancel_.run(redis_,
                        {keys::due(shard), keys::inflight(shard), keys::counts(shard),
                         keys::webhooks_on(shard), keys::webhook_events(shard)},
                        args);
        reply.expect_ok("cancel_jobs");
        for (std::size_t e = 0; e < reply.elements.size() && e < items.size(); ++e)
            states[items[e]] = parse_job_state(reply.elements[e].str);
    }
    // No hash: a planned job of a layout-2 store is a record of its sheet.
    std::vector<std::string> missing;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < states.size() && i < job_ids.size(); ++i) {
        if (!states[i]) {
            missing.push_back(job_ids[i]);
            where.push_back(i);
        }
    }
    if (missing.empty()) return states;
    SheetStore sheets(redis_);
    std::vector<SheetStore::Place> places;
    std::vector<std::size_t> place_of;  // index into `states`
    const auto found = sheets.locate(store, missing);
    for (std::size_t m = 0; m < found.size(); ++m) {
        if (!found[m]) continue;
        places.push_back(*found[m]);
        place_of.push_back(where[m]);
    }
    const auto before = sheets.cancel(store, places, now, error, reason,
                                      is_record_reason(reason) ? reason : "held_by_staff");
    for (std::size_t p = 0; p < before.size(); ++p)
        states[place_of[p]] = before[p];
    return states;
}

bool JobStore::hand_back(const std::string& store, const std::string& job_id, SysSeconds retry_at) {
    const Shard shard = shard_of_job(redis_, store, job_id);
    const auto reply = hand_back_.run(
        redis_,
        {keys::job(shard, job_id), keys::due(shard), keys::inflight(shard), keys::counts(shard)},
        {job_id, unix_seconds(retry_at)});
    reply.expect_ok("hand_back");
    return reply.integer == 1;
}

std::size_t JobStore::hand_back_many(const std::vector<std::pair<const Job*, SysSeconds>>& jobs) {
    std::vector<LuaScript::Call> calls;
    calls.reserve(jobs.size());
    for (const auto& [job, retry_at] : jobs) {
        const Shard shard = shard_of_job(redis_, job->store, job->id);
        calls.push_back({{keys::job(shard, job->id), keys::due(shard), keys::inflight(shard),
                          keys::counts(shard)},
                         {job->id, unix_seconds(retry_at)}});
    }
    std::size_t handed = 0;
    for (const auto& reply : hand_back_.run_many(redis_, calls)) {
        reply.expect_ok("hand_back");
        handed += reply.integer == 1 ? 1 : 0;
    }
    return handed;
}

bool JobStore::hand_back(const std::string& store, const std::string& job_id, int attempt,
                         const std::string& worker, SysSeconds retry_at) {
    const Shard shard = shard_of_job(redis_, store, job_id);
    const auto reply = hand_back_.run(
        redis_,
        {keys::job(shard, job_id), keys::due(shard), keys::inflight(shard), keys::counts(shard)},
        {job_id, unix_seconds(retry_at), std::to_string(attempt), worker});
    reply.expect_ok("hand_back");
    return reply.integer == 1;
}

RequeueResult JobStore::requeue_overdue(const std::string& store, SysSeconds now, int limit) {
    RequeueResult r;
    for (const auto& shard : shards_of(redis_, store)) {
        if (limit <= 0) break;
        const auto reply =
            requeue_.run(redis_, {keys::inflight(shard), keys::due(shard), keys::counts(shard)},
                         {unix_seconds(now), std::to_string(limit), keys::job_prefix(shard),
                          std::to_string(config_.job_retention.count())});
        reply.expect_ok("requeue_overdue");
        if (reply.type != RedisReply::Type::array || reply.elements.size() < 2)
            throw RedisReplyError("requeue_overdue", "unexpected reply");
        const auto& e = reply.elements;
        if (e.size() < 3 || e[2].type != RedisReply::Type::integer ||
            e.size() < 3 + static_cast<std::size_t>(e[2].integer))
            throw RedisReplyError("requeue_overdue", "unexpected reply");
        r.requeued += e[0].integer;
        r.unknown += e[1].integer;
        const std::size_t landed_end = 3 + static_cast<std::size_t>(e[2].integer);
        limit -= static_cast<int>(e[2].integer);
        for (std::size_t i = 3; i < landed_end; ++i)
            r.landed.push_back(e[i].str);
        for (std::size_t i = landed_end; i + 1 < e.size(); i += 2) {
            if (auto noted = noted_result(store, e[i].str, e[i + 1].str)) {
                r.noted.push_back(std::move(*noted));
            } else {
                throw RedisReplyError("requeue_overdue", keys::job(shard, e[i].str) +
                                                             ": a damaged note: " + e[i + 1].str);
            }
            --limit;
        }
    }
    return r;
}

namespace {

BeginSendReply parse_begin_send(const RedisReply& reply) {
    BeginSendReply r;
    if (reply.is_error()) {
        r.verdict = BeginSend::refused;
        r.detail = RedisReplyError("begin_send", reply.str).what();
        return r;
    }
    r.detail = reply.str;
    const std::string& s = reply.str;
    if (s == "ok") {
        r.verdict = BeginSend::ok;
    } else if (s.starts_with("verify:")) {
        r.verdict = BeginSend::verify;
        r.unsure_since = SysSeconds{std::chrono::seconds{std::stoll(s.substr(7))}};
    } else if (s.starts_with("cancelled")) {
        r.verdict = BeginSend::cancelled;
    } else if (s == "missing") {
        r.verdict = BeginSend::missing;
    } else if (s == "stale") {
        r.verdict = BeginSend::stale;
    } else if (s == "sending") {
        r.verdict = BeginSend::held_elsewhere;
    } else {
        r.verdict = BeginSend::already_finished;
    }
    return r;
}

}  // namespace

namespace {

// Jobs per begin_send / record_result call: a call costs Redis more than a
// job inside it, and 100 keep a call well under a millisecond.
constexpr std::size_t kSendsPerCall = 100;

}  // namespace

JobStore::JobCalls JobStore::begin_calls(const std::vector<const JobMessage*>& jobs,
                                         const std::string& worker, SysSeconds now) const {
    JobCalls out;
    out.shared_keys = 6;  // begin_send.lua's KEYS and ARGV
    out.shared_args = 3;
    out.args_per_job = 2;
    std::map<std::string, std::size_t> open;  // shard tag → its call being filled
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const JobMessage& job = *jobs[i];
        const Shard shard = shard_of_job(redis_, job.store, job.job_id);
        auto it = open.find(shard.tag());
        if (it == open.end() || out.items[it->second].size() == kSendsPerCall) {
            out.calls.push_back(
                {{keys::opt_outs(shard, "sms"), keys::opt_outs(shard, "wechat"),
                  keys::inflight(shard), keys::counts(shard), keys::webhooks_on(shard),
                  keys::webhook_events(shard)},
                 {worker, unix_seconds(now), std::to_string(config_.job_retention.count())}});
            out.items.emplace_back();
            it = open.insert_or_assign(shard.tag(), out.calls.size() - 1).first;
        }
        auto& call = out.calls[it->second];
        call.keys.push_back(keys::job(shard, job.job_id));
        call.args.push_back(std::to_string(job.attempt));
        call.args.push_back(job.job_id);
        out.items[it->second].push_back(i);
    }
    return out;
}


JobStore::JobCalls JobStore::record_calls(const std::vector<Recording>& results) const {
    JobCalls out;
    out.shared_keys = 5;  // record_result.lua's KEYS and ARGV
    out.shared_args = 2;
    out.args_per_job = 8;
    std::map<std::string, std::size_t> open;  // shard tag → its call being filled
    for (std::size_t i = 0; i < results.size(); ++i) {
        const ResultMessage& r = results[i].result;
        const Shard shard = shard_of_job(redis_, r.store, r.job_id);
        auto it = open.find(shard.tag());
        if (it == open.end() || out.items[it->second].size() == kSendsPerCall) {
            out.calls.push_back({{keys::inflight(shard), keys::due(shard), keys::counts(shard),
                                  keys::webhooks_on(shard), keys::webhook_events(shard)},
                                 {std::to_string(config_.job_retention.count()),
                                  std::to_string(config_.max_attempts)}});
            out.items.emplace_back();
            it = open.insert_or_assign(shard.tag(), out.calls.size() - 1).first;
        }
        auto& call = out.calls[it->second];
        call.keys.push_back(keys::job(shard, r.job_id));
        call.args.push_back(r.job_id);
        for (auto& a : result_args(results[i]))
            call.args.push_back(std::move(a));
        out.items[it->second].push_back(i);
    }
    return out;
}

std::vector<RedisReply> JobStore::run_job_calls(const LuaScript& script, const JobCalls& calls,
                                                std::size_t jobs, std::string_view what) {
    return job_answers(script, calls, script.run_many(redis_, calls.calls), jobs, what);
}

LuaScript::Call JobStore::JobCalls::single(std::size_t c, std::size_t k) const {
    const LuaScript::Call& call = calls[c];
    LuaScript::Call one{{call.keys.begin(), call.keys.begin() + shared_keys},
                        {call.args.begin(), call.args.begin() + shared_args}};
    one.keys.push_back(call.keys[shared_keys + k]);
    const auto first = call.args.begin() + shared_args + k * args_per_job;
    one.args.insert(one.args.end(), first, first + args_per_job);
    return one;
}

std::vector<RedisReply> JobStore::job_answers(const LuaScript& script, const JobCalls& calls,
                                              const std::vector<RedisReply>& replies,
                                              std::size_t jobs, std::string_view what) {
    std::vector<RedisReply> answers(jobs);
    for (std::size_t c = 0; c < calls.calls.size(); ++c) {
        const auto& items = calls.items[c];
        if (replies[c].is_error() && items.size() > 1) {
            // One job of the call, or the script, is at fault: find out which.
            std::vector<LuaScript::Call> singles;
            for (std::size_t k = 0; k < items.size(); ++k)
                singles.push_back(calls.single(c, k));
            const auto again = script.run_many(redis_, singles);
            for (std::size_t k = 0; k < items.size(); ++k) {
                if (again[k].is_error()) {
                    answers[items[k]] = again[k];
                } else if (again[k].elements.size() == 1) {
                    answers[items[k]] = again[k].elements[0];
                } else {
                    throw RedisReplyError(std::string(what), "unexpected reply");
                }
            }
            continue;
        }
        if (replies[c].is_error()) {
            answers[items[0]] = replies[c];
            continue;
        }
        if (replies[c].elements.size() != items.size())
            throw RedisReplyError(std::string(what), "unexpected reply");
        for (std::size_t k = 0; k < items.size(); ++k)
            answers[items[k]] = replies[c].elements[k];
    }
    return answers;
}

BeginSend JobStore::begin_send(const std::string& store, const std::string& job_id, int attempt,
                               const std::string& worker, SysSeconds now, std::string* detail,
                               SysSeconds* unsure_since) {
    JobMessage job;
    job.store = store;
    job.job_id = job_id;
    job.attempt = attempt;
    const auto r = begin_send_many({&job}, worker, now).at(0);
    if (detail) *detail = r.detail;
    if (unsure_since && r.verdict == BeginSend::verify) *unsure_since = r.unsure_since;
    return r.verdict;
}

std::vector<BeginSendReply> JobStore::begin_send_many(const std::vector<const JobMessage*>& jobs,
                                                      const std::string& worker, SysSeconds now) {
    std::vector<BeginSendReply> replies;
    replies.reserve(jobs.size());
    for (const auto& answer :
         run_job_calls(begin_, begin_calls(jobs, worker, now), jobs.size(), "begin_send"))
        replies.push_back(parse_begin_send(answer));
    return replies;
}

JobStore::MarkReply JobStore::mark_call(const JobMessage& job, const std::string& worker,
                                        SysSeconds now, const std::vector<NotedResult>& results,
                                        const ReplicaWait& wait) {
    const Shard shard = shard_of_job(redis_, job.store, job.job_id);
    const std::string job_key = keys::job(shard, job.job_id);
    LuaScript::Call mark{{job_key}, {worker, std::to_string(job.attempt), unix_seconds(now)}};
    MarkReply out;
    out.noted.assign(results.size(), false);
    std::vector<Recording> others;  // of other shards: recorded now
    for (std::size_t i = 0; i < results.size(); ++i) {
        const ResultMessage& r = results[i].recording.result;
        const Shard of = shard_of_job(redis_, r.store, r.job_id);
        if (of.tag() != shard.tag()) {
            others.push_back(results[i].recording);
            continue;
        }
        mark.keys.push_back(keys::job(of, r.job_id));
        mark.args.push_back(std::to_string(results[i].attempt));
        mark.args.push_back(nlohmann::json(result_args(results[i].recording)).dump());
        out.noted[i] = true;
    }
    const JobCalls records = record_calls(others);
    std::vector<LuaScript::ScriptCall> calls;
    calls.reserve(records.calls.size() + 1);
    for (const auto& call : records.calls)
        calls.push_back({&record_, &call});
    calls.push_back({&mark_, &mark});
    const auto replies = LuaScript::run_all(redis_, calls);
    // The mark decides whether the call is made, whatever became of the records.
    const RedisReply& marked = replies.back();
    marked.expect_ok("mark_call");
    out.ok = marked.str == "ok";
    out.detail = marked.str;
    if (out.ok && wait.replicas > 0) {
        // After the mark's reply, so a MOVED it met has taught the map
        // where the job lives: WAIT counts this client's writes on that node.
        const auto acked = redis_.command_at(
            job_key, {"WAIT", std::to_string(wait.replicas), std::to_string(wait.timeout.count())});
        // Refused (a replica asked, say): not replicated, as far as anyone knows.
        out.replicas = acked.is_error() ? 0 : acked.integer;
        out.replicated = !acked.is_error() && acked.integer >= wait.replicas;
        if (acked.is_error()) out.detail = "WAIT refused: " + acked.str;
    }
    try {
        const std::vector<RedisReply> record_replies(replies.begin(), replies.end() - 1);
        recorded_states(
            others, job_answers(record_, records, record_replies, others.size(), "record_result"));
    } catch (const RedisReplyError& e) {
        out.records_refused = e.what();
    }
    return out;
}

std::optional<JobState> JobStore::record(const ResultMessage& r,
                                         std::optional<SysSeconds> unsure_since) {
    return record_many({Recording{r, unsure_since}}).at(0);
}

std::vector<std::optional<JobState>> JobStore::record_many(const std::vector<Recording>& results) {
    return recorded_states(
        results, run_job_calls(record_, record_calls(results), results.size(), "record_result"));
}

std::vector<std::optional<JobState>> JobStore::recorded_states(
    const std::vector<Recording>& results, const std::vector<RedisReply>& answers) {
    std::vector<std::optional<JobState>> states;
    states.reserve(results.size());
    std::string refused;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (answers[i].is_error()) {
            refused += (refused.empty() ? "" : "; ") + results[i].result.store + "/" +
                       results[i].result.job_id + ": " + answers[i].str;
        }
        states.push_back(parse_job_state(answers[i].str));
    }
    if (!refused.empty()) throw RedisReplyError("record_result", refused);
    return states;
}

std::optional<JobState> JobStore::record_delivery(const std::string& store,
                                                  const std::string& job_id,
                                                  const std::string& status, SysSeconds at,
                                                  const std::string& detail) {
    const Shard shard = shard_of_job(redis_, store, job_id);
    const auto reply = delivery_.run(redis_,
                                     {keys::job(shard, job_id), keys::counts(shard),
                                      keys::webhooks_on(shard), keys::webhook_events(shard)},
                                     {status, unix_seconds(at), detail});
    reply.expect_ok("record_delivery");
    return parse_job_state(reply.str);
}

std::optional<Job> JobStore::get(const std::string& store, const std::string& job_id,
                                 const date::time_zone* zone) {
    const auto read_hash = [&]() -> std::optional<Job> {
        const auto reply =
            redis_.command({"HGETALL", keys::job(shard_of_job(redis_, store, job_id), job_id)});
        reply.expect_ok("HGETALL job");
        if (reply.elements.empty()) return std::nullopt;
        return job_from_fields(store, job_id, field_map(reply));
    };
    if (auto job = read_hash()) return job;
    if (!zone) return std::nullopt;
    auto job = SheetStore(redis_).find(store, job_id, zone);
    if (!job || job->state != JobState::dispatched) return job;
    // Claimed between the two reads, or its hash's retention ended.
    return read_hash();
}

long long JobStore::count_due(const std::string& store, SysSeconds now) {
    long long due = 0;
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store)) {
        commands.push_back({"ZCOUNT", keys::due(shard), "-inf", unix_seconds(now)});
        commands.push_back({"ZCOUNT", keys::sheet_due(shard), "-inf", unix_seconds(now)});
    }
    for (const auto& reply : redis_.pipeline(commands)) {
        reply.expect_ok("ZCOUNT due");
        due += reply.integer;
    }
    return due;
}

long long JobStore::count_in_flight(const std::string& store) {
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store))
        commands.push_back({"ZCARD", keys::inflight(shard)});
    long long in_flight = 0;
    for (const auto& reply : redis_.pipeline(commands))
        in_flight += reply.expect_ok("ZCARD inflight").integer;
    return in_flight;
}

std::optional<SysSeconds> JobStore::next_due(const std::string& store) {
    std::optional<SysSeconds> next;
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store)) {
        commands.push_back({"ZRANGE", keys::due(shard), "0", "0", "WITHSCORES"});
        commands.push_back({"ZRANGE", keys::sheet_due(shard), "0", "0", "WITHSCORES"});
    }
    for (const auto& reply : redis_.pipeline(commands)) {
        reply.expect_ok("ZRANGE due");
        if (reply.elements.size() < 2) continue;
        const SysSeconds t{
            std::chrono::seconds{static_cast<long long>(std::stod(reply.elements[1].str))}};
        if (!next || t < *next) next = t;
    }
    return next;
}

std::map<std::string, long long> JobStore::counts(const std::string& store) {
    // Each shard counts its own jobs: the store's counts are their sums.
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store))
        commands.push_back({"HGETALL", keys::counts(shard)});
    std::map<std::string, long long> out;
    for (const auto& reply : redis_.pipeline(commands)) {
        reply.expect_ok("HGETALL counts");
        for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
            out[reply.elements[i].str] += std::stoll(reply.elements[i + 1].str);
    }
    return out;
}

}  // namespace huitou
