#include "io/winback_store.h"

#include <set>

#include "io/redis_fields.h"
#include "io/redis_keys.h"

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
    const auto replies = redis_.pipeline({
        {"ZRANGEBYSCORE", keys::winback(only_shard(store), "lapse"), "-inf", until},
        {"ZRANGEBYSCORE", keys::winback(only_shard(store), "lapsed"), "-inf", until},
        {"ZRANGEBYSCORE", keys::winback(only_shard(store), "reminded"), "-inf", until},
    });
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
    for (const auto& id : member_ids) {
        redis_.append({"HGETALL", keys::visit_state(only_shard(store), id)});
        redis_.append({"HGETALL", keys::member(only_shard(store), id)});
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
        calls.push_back(
            {{keys::visit_state(only_shard(store), t.member_id),
              keys::winback(only_shard(store), "lapse"),
              keys::winback(only_shard(store), "returned"),
              keys::winback(only_shard(store), "lapsed"),
              keys::winback(only_shard(store), "reminded"),
              keys::winback(only_shard(store), "churned"),
              keys::winback(only_shard(store), "counts"), keys::due(only_shard(store)),
              keys::counts(only_shard(store)), keys::webhooks_on(only_shard(store)),
              keys::webhook_events(only_shard(store))},
             {t.member_id, format_date(t.before.last_date), std::string(to_string(t.before.state)),
              std::to_string(t.before.step), std::string(to_string(t.step.state)),
              std::to_string(t.step.step), std::to_string(t.step.day), counter_for(t.step),
              t.step.job ? t.step.job->id : std::string{}, keys::job_prefix(only_shard(store)),
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
    const auto r = redis_.pipeline({
        {"ZCOUNT", keys::winback(only_shard(store), "lapse"), after, "+inf"},
        {"ZCOUNT", keys::winback(only_shard(store), "returned"), after, "+inf"},
        {"ZCOUNT", keys::winback(only_shard(store), "lapse"), "-inf", today},
        {"ZCARD", keys::winback(only_shard(store), "lapsed")},
        {"ZCARD", keys::winback(only_shard(store), "reminded")},
        {"ZCARD", keys::winback(only_shard(store), "churned")},
        {"HGETALL", keys::winback(only_shard(store), "counts")},
    });
    for (const auto& reply : r)
        reply.expect_ok("win-back counts");
    WinbackCounts c;
    c.returned = r[1].integer;
    c.active = r[0].integer - c.returned;
    c.lapsed = r[2].integer + r[3].integer;
    c.reminded = r[4].integer;
    c.churned = r[5].integer;
    for (std::size_t i = 0; i + 1 < r[6].elements.size(); i += 2) {
        c.totals[r[6].elements[i].str] = std::stoll(r[6].elements[i + 1].str);
    }
    return c;
}

}  // namespace huitou
