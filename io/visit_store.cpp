#include "io/visit_store.h"

#include <cassert>
#include <cstdio>
#include <map>

#include "core/visit_cycle.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/segment_store.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

std::string exact(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
}

}  // namespace

std::string_view to_string(VisitOutcome o) {
    switch (o) {
        case VisitOutcome::latest:
            return "latest";
        case VisitOutcome::earlier:
            return "earlier";
        case VisitOutcome::duplicate:
            break;
    }
    return "duplicate";
}

VisitStore::VisitStore(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), record_("record_visit") {}

std::vector<VisitRecorded> VisitStore::record(const std::vector<Visit>& visits, SysSeconds now) {
    std::vector<LuaScript::Call> calls;
    calls.reserve(visits.size());
    const auto retention = std::to_string(config_.scheduler.job_retention.count());
    for (const auto& visit : visits) {
        const StoreConfig* store = config_.find_store(visit.store);
        assert(store && "make_visit checks the store");
        const auto& w = store->winback;
        const Shard s = shard_of_member(redis_, visit.store, visit.member_id);
        LuaScript::Call call{
            {keys::visit_state(s, visit.member_id), keys::member(s, visit.member_id),
             keys::winback(s, "lapse"), keys::winback(s, "returned"), keys::winback(s, "lapsed"),
             keys::winback(s, "reminded"), keys::winback(s, "churned"), keys::winback(s, "counts"),
             keys::due(s), keys::counts(s), keys::webhooks_on(s), keys::webhook_events(s)},
            {visit.member_id, keys::job_prefix(s), visit.key,
             std::to_string(visit.at.time_since_epoch().count()),
             std::to_string(day_number(visit.day)), format_date(visit.day),
             visit.amount_cents ? std::to_string(*visit.amount_cents) : std::string{},
             std::to_string(w.history), std::to_string(w.min_visits),
             std::to_string(w.recent_intervals), exact(w.factor), std::to_string(w.floor_days),
             std::to_string(w.default_cycle_days), std::to_string(w.max_messages()), retention,
             std::to_string(now.time_since_epoch().count()),
             std::to_string(w.tier_cycle_days.size())}};
        for (const auto& [tier, days] : w.tier_cycle_days) {
            call.args.push_back(tier);
            call.args.push_back(std::to_string(days));
        }
        call.args.push_back(std::to_string(store->segments.period_months));
        calls.push_back(std::move(call));
    }
    std::vector<VisitRecorded> out;
    out.reserve(visits.size());
    for (const auto& reply : record_.run_many(redis_, calls)) {
        reply.expect_ok("record_visit");
        if (reply.elements.size() < 6) throw RedisReplyError("record_visit", "unexpected reply");
        VisitRecorded r;
        const auto& outcome = reply.elements[0].str;
        r.outcome = outcome == "latest"    ? VisitOutcome::latest
                    : outcome == "earlier" ? VisitOutcome::earlier
                                           : VisitOutcome::duplicate;
        r.cycle = std::strtod(reply.elements[1].str.c_str(), nullptr);
        r.lapse_day = static_cast<int>(reply.elements[2].integer);
        r.cancelled = static_cast<int>(reply.elements[3].integer);
        r.member_known = reply.elements[4].integer == 1;
        r.state = parse_winback_state(reply.elements[5].str).value_or(WinbackState::active);
        if (reply.elements.size() >= 8) {
            r.months = reply.elements[6].str;
            r.last_day = static_cast<int>(reply.elements[7].integer);
        }
        out.push_back(r);
    }
    SegmentStore(redis_, config_).on_visits(visits, out, now);
    return out;
}

std::optional<VisitState> VisitStore::state(const std::string& store,
                                            const std::string& member_id) {
    const auto reply = redis_.command(
        {"HGETALL", keys::visit_state(shard_of_member(redis_, store, member_id), member_id)});
    reply.expect_ok("HGETALL visit state");
    if (reply.elements.empty()) return std::nullopt;
    return visit_state_from_fields(field_map(reply));
}

void VisitStore::note_arrival(const std::vector<Visit>& visits, SysSeconds now,
                              std::string_view via) {
    std::map<std::string, SysSeconds> latest;  // store → its latest visit of the batch
    for (const auto& v : visits) {
        auto [it, fresh] = latest.emplace(v.store, v.at);
        if (!fresh && it->second < v.at) it->second = v.at;
    }
    std::vector<RedisCommand> commands;
    for (const auto& [store, at] : latest)
        commands.push_back({"HSET", keys::pos_last(store), "at",
                            std::to_string(now.time_since_epoch().count()), "via", std::string(via),
                            "visit_at", std::to_string(at.time_since_epoch().count())});
    if (commands.empty()) return;
    for (const auto& r : redis_.pipeline(commands))
        r.expect_ok("HSET pos last");
}

}  // namespace huitou
