#include "scheduler/message_results.h"

#include <algorithm>

#include "core/visit_cycle.h"
#include "io/effect_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {

namespace {

SysSeconds end_of(const Date& day, const date::time_zone* zone) {
    return start_of_day(Date{date::sys_days{day} + date::days{1}}, zone) - std::chrono::seconds{1};
}

// How a message ended, as its job hash says it (HMGET state, error,
// member): no state when the hash is gone (older than the retention).
struct End {
    std::optional<JobState> state;
    std::string error;
    std::string member;
};

// The end a record keeps, in the words its job hash would hold: the claim
// (scripts/claim_due.lua) ends a hash and a record alike, writing the hash
// an error text and the record a reason code. So one reason is counted
// under one name on either layout, and the results page says it in the
// same words (core/console_words.h's error_words).
End end_of_record(const JobRecord& r, const std::string& note) {
    End e{r.state, r.reason, {}};
    if (r.reason == "expired") e.error.clear();  // the claim writes no error for it
    // The texts of claim_due.lua's no_window_text and attempts_text.
    if (r.reason == "no_window") e.error = "no send window left today";
    if (r.reason == "attempts")
        e.error = "the provider was called " + std::to_string(r.calls) + " times without success";
    // A hash says who held it ("held by staff wang"); a record keeps the
    // code, and the words in its day's notes (SheetStore::Place::note).
    if (r.reason == "held_by_staff") e.error = "held";
    if (!note.empty()) e.error = note;
    return e;
}

OccasionResults& of_kind(std::map<Kind, OccasionResults>& kinds, Kind kind) {
    auto& k = kinds[kind];
    k.kind = kind;
    return k;
}

}  // namespace

MessageResults message_results(RedisConnection& redis, const StoreConfig& store, const Date& first,
                               const Date& last, const Date& today) {
    MessageResults out;
    out.first = first;
    out.last = last;
    std::map<Kind, OccasionResults> kinds;

    // The days' jobs, and how each ended: from its record when a day
    // sheet's record keeps it, else from its job hash (HMGET in slices,
    // one round trip a slice).
    EffectStore effects(redis);
    const auto entries = effects.touch_entries(store.id, start_of_day(out.first, store.zone),
                                               end_of(out.last, store.zone), store.zone);
    std::vector<std::size_t> hashed;  // the messages a job hash holds
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (!entries[i].touch.held && !entries[i].record) hashed.push_back(i);
    }
    std::vector<End> ends(entries.size());
    constexpr std::size_t kSlice = 2000;
    for (std::size_t begin = 0; begin < hashed.size(); begin += kSlice) {
        const std::size_t end = std::min(hashed.size(), begin + kSlice);
        std::vector<RedisCommand> commands;
        for (std::size_t h = begin; h < end; ++h) {
            const auto& job_id = entries[hashed[h]].touch.job_id;
            commands.push_back({"HMGET", keys::job(shard_of_job(redis, store.id, job_id), job_id),
                                "state", "error", "member"});
        }
        const auto replies = redis.pipeline(commands);
        for (std::size_t h = begin; h < end; ++h) {
            const auto& reply = replies[h - begin];
            reply.expect_ok("HMGET job state");
            const auto field = [&reply](std::size_t n) -> std::string {
                return n < reply.elements.size() &&
                               reply.elements[n].type == RedisReply::Type::string
                           ? reply.elements[n].str
                           : std::string{};
            };
            ends[hashed[h]] = {parse_job_state(field(0)), field(1), field(2)};
        }
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].record) ends[i] = end_of_record(*entries[i].record, entries[i].note);
    }

    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& t = entries[i].touch;
        auto& k = of_kind(kinds, t.kind);
        if (t.held) {
            ++k.held;
            continue;
        }
        ++k.planned;
        if (t.sent_at) ++k.sent;
        const auto& [state, error, member] = ends[i];
        if (!state) {
            ++k.forgotten;
            continue;
        }
        const bool ended_by_us = *state == JobState::cancelled || *state == JobState::expired;
        if (!error.empty() && !ended_by_us) ++out.errors[{t.channel, error}];
        if (*state == JobState::failed || *state == JobState::unknown) {
            out.problems.push_back({t.job_id, member.empty() ? t.member_id : member, t.kind,
                                    t.channel, *state, error, t.planned_at});
        }
        switch (*state) {
            case JobState::planned:
            case JobState::dispatched:
                ++k.waiting;
                break;
            case JobState::sent:
            case JobState::held:
                break;
            case JobState::delivered:
                ++k.delivered;
                break;
            case JobState::failed:
                ++k.failed;
                break;
            case JobState::unknown:
                ++k.unknown;
                break;
            case JobState::expired:
                ++k.expired;
                ++k.not_sent[error.empty() ? "expired" : error];
                break;
            case JobState::cancelled:
                ++k.cancelled;
                ++k.not_sent[error.empty() ? "cancelled" : error];
                break;
        }
    }

    // What planning left out, day by day, up to today.
    std::vector<Date> days;
    for (auto d = date::sys_days{out.first};
         d <= date::sys_days{out.last} && d <= date::sys_days{today}; d += date::days{1})
        days.emplace_back(d);
    out.days_so_far = static_cast<int>(days.size());
    for (const auto& day : effects.skips(store.id, days)) {
        if (!day) {
            ++out.days_without_skips;
            continue;
        }
        for (const auto& [field, n] : *day) {
            const auto bar = field.find('|');
            const auto kind = parse_kind(field.substr(0, bar));
            if (!kind || bar == std::string::npos) continue;
            of_kind(kinds, *kind).not_sent[field.substr(bar + 1)] += n;
        }
    }

    out.churned = 0;
    for (const auto& shard : shards_of(redis, store.id)) {
        const auto churned = redis.command({"ZCOUNT", keys::winback(shard, "churned"),
                                            std::to_string(day_number(out.first)),
                                            std::to_string(day_number(out.last))});
        out.churned += churned.expect_ok("ZCOUNT churned").integer;
    }

    for (auto& [kind, k] : kinds)
        out.kinds.push_back(std::move(k));
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const ProblemJob& a, const ProblemJob& b) { return a.due_at > b.due_at; });
    if (out.problems.size() > kMaxProblems) out.problems.resize(kMaxProblems);
    return out;
}

std::vector<long long> sent_per_day(RedisConnection& redis, const StoreConfig& store,
                                    const Date& first, const Date& last) {
    const auto span = (date::sys_days{last} - date::sys_days{first}).count() + 1;
    std::vector<long long> out(static_cast<std::size_t>(std::max<long long>(span, 0)), 0);
    if (out.empty()) return out;
    // Touches are listed by due time; a message goes on its due day or later.
    const auto touches = EffectStore(redis).touches(store.id, start_of_day(first, store.zone),
                                                    end_of(last, store.zone), store.zone);
    for (const auto& t : touches) {
        if (!t.sent_at) continue;
        const auto day =
            (date::sys_days{local_date(*t.sent_at, store.zone)} - date::sys_days{first}).count();
        if (day >= 0 && day < span) ++out[static_cast<std::size_t>(day)];
    }
    return out;
}

nlohmann::json message_results_json(const MessageResults& results) {
    auto kinds = nlohmann::json::array();
    for (const auto& k : results.kinds) {
        kinds.push_back({{"kind", to_string(k.kind)},
                         {"planned", k.planned},
                         {"held", k.held},
                         {"sent", k.sent},
                         {"delivered", k.delivered},
                         {"failed", k.failed},
                         {"cancelled", k.cancelled},
                         {"expired", k.expired},
                         {"unknown", k.unknown},
                         {"waiting", k.waiting},
                         {"forgotten", k.forgotten},
                         {"not_sent", k.not_sent}});
    }
    auto errors = nlohmann::json::array();
    for (const auto& [key, n] : results.errors)
        errors.push_back({{"channel", to_string(key.first)}, {"error", key.second}, {"jobs", n}});
    auto problems = nlohmann::json::array();
    for (const auto& p : results.problems)
        problems.push_back({{"id", p.job_id},
                            {"member_id", p.member_id},
                            {"kind", to_string(p.kind)},
                            {"channel", to_string(p.channel)},
                            {"state", to_string(p.state)},
                            {"error", p.error},
                            {"due_at", p.due_at.time_since_epoch().count()}});
    return {
        {"from", format_date(results.first)}, {"to", format_date(results.last)},
        {"days_so_far", results.days_so_far}, {"days_without_skips", results.days_without_skips},
        {"churned", results.churned},         {"kinds", std::move(kinds)},
        {"errors", std::move(errors)},        {"problems", std::move(problems)}};
}

}  // namespace huitou
