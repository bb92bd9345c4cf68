#include "io/winback_store.h"

#include <set>

#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

// The wb:counts field a transition adds one to.
std::string counter_for(const WinbackStep& s) {
    switch (s.action) {
        case WinbackAction::remind:
            return s.step == 1 ? "reminders" : "followups";
        case WinbackAction::skip:
            return "skipped";
        case WinbackAction::churn:
            return "churned";
        case WinbackAction::wait:
        case WinbackAction::reschedule:
        case WinbackAction::park:
            break;
    }
    return {};
}

}  // namespace

WinbackStore::WinbackStore(RedisConnection& redis, const SchedulerConfig& config)
    : redis_(redis), config_(config), transition_("winback_transition") {}

std::vector<std::string> WinbackStore::due(const std::string& store, int day) {
    const auto until = std::to_string(day);
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store))
        for (const char* state : {"lapse", "lapsed", "reminded"})
            commands.push_back({"ZRANGEBYSCORE", keys::winback(shard, state), "-inf", until});
    const auto replies = redis_.pipeline(commands);
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& reply : replies) {
        reply.expect_ok("ZRANGEBYSCORE win-back index");
        for (const auto& e : reply.elements) {
            if (seen.insert(e.str).second) ids.push_back(e.str);
        }
    }
    return ids;
}

std::vector<WinbackCandidate> WinbackStore::read(const std::string& store,
                                                 const std::vector<std::string>& member_ids) {
    const int k = shard_count(redis_, store);  // read before the pipeline
    for (const auto& id : member_ids) {
        const Shard shard{store, k, member_shard(id, k)};
        redis_.append({"HGETALL", keys::visit_state(shard, id)});
        redis_.append({"HGETALL", keys::member(shard, id)});
    }
    std::vector<WinbackCandidate> out;
    out.reserve(member_ids.size());
    for (const auto& id : member_ids) {
        WinbackCandidate c;
        c.member_id = id;
        const auto visits = redis_.read();
        visits.expect_ok("HGETALL visit state");
        if (!visits.elements.empty()) c.visits = visit_state_from_fields(field_map(visits));
        const auto member = redis_.read();
        member.expect_ok("HGETALL member");
        if (!member.elements.empty()) c.member = member_from_fields(store, id, field_map(member));
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<bool> WinbackStore::apply(const std::string& store,
                                      const std::vector<WinbackTransition>& transitions,
                                      SysSeconds now) {
    std::vector<LuaScript::Call> calls;
    calls.reserve(transitions.size());
    for (const auto& t : transitions) {
        const Shard shard = shard_of_member(redis_, store, t.member_id);
        calls.push_back(
            {{keys::visit_state(shard, t.member_id), keys::winback(shard, "lapse"),
              keys::winback(shard, "returned"), keys::winback(shard, "lapsed"),
              keys::winback(shard, "reminded"), keys::winback(shard, "churned"),
              keys::winback(shard, "counts"), keys::due(shard), keys::counts(shard),
              keys::webhooks_on(shard), keys::webhook_events(shard)},
             {t.member_id, format_date(t.before.last_date), std::string(to_string(t.before.state)),
              std::to_string(t.before.step), std::string(to_string(t.step.state)),
              std::to_string(t.step.step), std::to_string(t.step.day), counter_for(t.step),
              t.step.job ? t.step.job->id : std::string{}, keys::job_prefix(shard),
              std::to_string(now.time_since_epoch().count()),
              std::to_string(config_.job_retention.count())}});
    }
    std::vector<bool> applied;
    applied.reserve(transitions.size());
    for (const auto& reply : transition_.run_many(redis_, calls)) {
        reply.expect_ok("winback_transition");
        applied.push_back(reply.integer == 1);
    }
    return applied;
}

WinbackCounts WinbackStore::counts(const std::string& store, int day) {
    const auto today = std::to_string(day);
    const auto after = "(" + today;
    // Each shard counts its own members: the store's counts are their sums.
    const auto shards = shards_of(redis_, store);
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards) {
        commands.insert(commands.end(),
                        {{"ZCOUNT", keys::winback(shard, "lapse"), after, "+inf"},
                         {"ZCOUNT", keys::winback(shard, "returned"), after, "+inf"},
                         {"ZCOUNT", keys::winback(shard, "lapse"), "-inf", today},
                         {"ZCARD", keys::winback(shard, "lapsed")},
                         {"ZCARD", keys::winback(shard, "reminded")},
                         {"ZCARD", keys::winback(shard, "churned")},
                         {"HGETALL", keys::winback(shard, "counts")}});
    }
    const auto replies = redis_.pipeline(commands);
    for (const auto& reply : replies)
        reply.expect_ok("win-back counts");
    WinbackCounts c;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        const RedisReply* r = &replies[7 * s];
        c.returned += r[1].integer;
        c.active += r[0].integer - r[1].integer;
        c.lapsed += r[2].integer + r[3].integer;
        c.reminded += r[4].integer;
        c.churned += r[5].integer;
        for (std::size_t i = 0; i + 1 < r[6].elements.size(); i += 2)
            c.totals[r[6].elements[i].str] += std::stoll(r[6].elements[i + 1].str);
    }
    return c;
}

}  // namespace huitou
