#include "scheduler/day_planner.h"

#include <algorithm>

#include "core/holdout.h"
#include "core/job_record.h"
#include "core/member_write.h"
#include "core/occasion.h"
#include "core/visit_cycle.h"
#include "core/winback.h"
#include "io/announcement_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/template_store.h"

#include <spdlog/spdlog.h>

namespace huitou {
namespace {

// Day sheets spread a day's messages by sheet (core/job_record.h: sheet_of),
// of a store over K shards by shard and sheet; hashes by member (an empty key).
std::string spread_key(const std::string& member_id, const Date& day, const DaySheets& sheets) {
    if (sheets.empty()) return {};
    const auto place = sheets.of(member_id);
    if (sheets.shards() == 1) return format_date(day) + "|" + std::to_string(place.sheet);
    return format_date(day) + "|" + std::to_string(place.shard) + "." + std::to_string(place.sheet);
}

}  // namespace

DayPlanner::DayPlanner(RedisConnection& redis, const Config& config, const TemplateSet& templates,
                       std::size_t batch)
    : redis_(redis),
      config_(config),
      templates_(templates),
      batch_(std::max<std::size_t>(batch, 1)),
      consent_(redis, config),
      effects_(redis),
      winbacks_(redis, config.scheduler) {}

std::shared_ptr<const TemplateSet> DayPlanner::templates_for(const StoreConfig& store) {
    auto saved = TemplateStore(redis_).saved(store.id);
    if (saved.empty()) {
        saved_.erase(store.id);
        // The loaded set outlives the planner: shared without an owner.
        return {std::shared_ptr<void>(), &templates_};
    }
    auto& cached = saved_[store.id];
    if (!cached.set || cached.saved != saved) {
        auto applied = apply_saved_templates(config_, store, templates_, saved);
        for (const auto& problem : applied.problems)
            spdlog::warn("{}: a saved template is not used: {}", store.id, problem);
        cached.saved = std::move(saved);
        cached.set = std::make_shared<const TemplateSet>(std::move(applied.templates));
    }
    return cached.set;
}

PlanningDay DayPlanner::planning_with_announcements(const StoreConfig& store, const Date& day) {
    PlanningDay pd = planning_day(config_, store, day);
    pd.announcements = AnnouncementStore(redis_).scheduled_on(store.id, day);
    return pd;
}

void DayPlanner::hold_out(const StoreConfig& store, std::vector<DayVerdict*>& verdicts) {
    // Only the kinds with a share read their records: a festival without a
    // holdout costs nothing more.
    std::map<Kind, std::vector<DayVerdict*>> by_kind;
    for (DayVerdict* v : verdicts) {
        if (!v->verdict.job || v->verdict.job->state != JobState::planned) continue;
        if (store.effect.holdout_share(v->verdict.kind) <= 0) continue;
        by_kind[v->verdict.job->kind].push_back(v);
    }
    for (auto& [kind, group] : by_kind) {
        std::vector<std::string> members;
        members.reserve(group.size());
        for (const DayVerdict* v : group)
            members.push_back(v->verdict.job->member_id);
        const auto records = effects_.holdout_records(store.id, kind, members);
        for (std::size_t i = 0; i < group.size(); ++i)
            apply_holdout(group[i]->verdict, store.id, store.effect, records[i]);
    }
}

void DayPlanner::occasions(const StoreConfig& store, const Date& day, SysSeconds now,
                           const std::function<void(OccasionBatch&)>& each,
                           const DaySheets& sheets) {
    const PlanningDay pd = planning_with_announcements(store, day);
    const auto held_templates = templates_for(store);
    const TemplateSet& templates = *held_templates;
    auto plan = [&](const std::vector<Member>& members) {
        OccasionBatch batch;
        batch.members_read = members.size();
        const auto opted_out = consent_.opted_out(store.id, members);
        for (std::size_t i = 0; i < members.size(); ++i) {
            const Member& m = members[i];
            // The indexes are a hint; the member's own data decides.
            auto occasions = occasions_for(m, pd, store);
            if (occasions.empty()) continue;
            const MemberDay in{
                m,   std::move(occasions),         {opted_out[i].first, opted_out[i].second}, day,
                now, spread_key(m.id, day, sheets)};
            for (auto& v : plan_member_day(in, store, templates))
                batch.verdicts.push_back({m.id, m.name, std::move(v)});
        }
        std::vector<DayVerdict*> all;
        for (auto& v : batch.verdicts)
            all.push_back(&v);
        hold_out(store, all);
        each(batch);
    };
    // The members come on a connection of their own, a batch ahead
    // (MemberStore::read_ahead): Redis reads the next batch while this one is
    // planned, and `each` may use the planner's connection meanwhile.
    RedisConnection reader(redis_.endpoint());
    MemberStore members(reader);
    if (pd.reads_all_members()) {
        members.for_each_member(store.id, batch_, plan);
        return;
    }
    members.read_ahead(store.id, members.ids_in(store.id, pd.index_sets), batch_, plan);
}

std::size_t DayPlanner::expected_jobs(const StoreConfig& store, const Date& day) {
    const PlanningDay pd = planning_day(config_, store, day);
    // Every member is in exactly one own-birthday index (member_partition_keys).
    const auto indexes = pd.reads_all_members() ? member_partition_keys() : pd.index_sets;
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store.id)) {
        for (const auto& suffix : indexes)
            commands.push_back({"HLEN", keys::index(shard, suffix)});
        if (store.winback.enabled) {
            // The win-back's candidates (WinbackStore::due), counted, not read.
            for (const char* state : {"lapse", "lapsed", "reminded"}) {
                commands.push_back({"ZCOUNT", keys::winback(shard, state), "-inf",
                                    std::to_string(day_number(day))});
            }
        }
    }
    std::size_t expected = 0;
    if (commands.empty()) return expected;
    for (const auto& reply : redis_.pipeline(commands)) {
        reply.expect_ok("count the day's candidates");
        expected += static_cast<std::size_t>(std::max(0LL, reply.integer));
    }
    return expected;
}

void DayPlanner::winbacks(const StoreConfig& store, const Date& day, SysSeconds now,
                          const std::function<void(WinbackBatch&)>& each) {
    if (!store.winback.enabled) return;
    // The day's announcements too: a win-back waits behind one, as behind a festival.
    const PlanningDay pd = planning_with_announcements(store, day);
    const auto held_templates = templates_for(store);
    const TemplateSet& templates = *held_templates;
    const auto ids = winbacks_.due(store.id, day_number(day));
    for (std::size_t first = 0; first < ids.size(); first += batch_) {
        const std::vector<std::string> chunk(
            ids.begin() + static_cast<std::ptrdiff_t>(first),
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), first + batch_)));
        WinbackBatch batch;
        batch.candidates = chunk.size();
        auto candidates = winbacks_.read(store.id, chunk);
        std::vector<Member> members;
        for (const auto& c : candidates) {
            if (c.member) members.push_back(*c.member);
        }
        const auto opted_out = consent_.opted_out(store.id, members);
        std::size_t next_member = 0;
        for (auto& c : candidates) {
            const auto opt_out = c.member ? opted_out[next_member++] : std::pair{false, false};
            if (!c.visits) {
                ++batch.reasons["no_visit_state"];
                continue;
            }
            const Member* m = c.member ? &*c.member : nullptr;
            auto step = plan_winback(*c.visits, m, day, store);
            if (step.occasion) {
                // The win-back among the member's occasions of the day: one policy.
                auto occasions = occasions_for(*m, pd, store);
                const std::string id =
                    make_job_id(Kind::winback, m->id, step.occasion->date, step.occasion->detail);
                occasions.push_back(*step.occasion);
                const MemberDay in{
                    *m, std::move(occasions), {opt_out.first, opt_out.second}, day, now};
                for (auto& v : plan_member_day(in, store, templates)) {
                    if (v.occasion_id != id) continue;
                    DayVerdict dv{m->id, m->name, std::move(v)};
                    std::vector<DayVerdict*> one{&dv};
                    hold_out(store, one);  // a held reminder moves the steps as a sent one
                    step = settle_winback(std::move(step), dv.verdict, day, store);
                    batch.verdicts.push_back(std::move(dv));
                }
                if (step.occasion) {  // no verdict for it: nothing moves today
                    step = WinbackStep{};
                    step.reason = "no_verdict";
                }
            } else if (!m &&
                       (step.action == WinbackAction::park || step.action == WinbackAction::skip)) {
                Verdict v;
                v.kind = Kind::winback;
                v.occasion_id = winback_job_id(c.member_id, c.visits->last_date,
                                               std::max(1, c.visits->step + 1));
                v.reason = step.reason;
                v.detail = "not in the member list";
                batch.verdicts.push_back({c.member_id, {}, std::move(v)});
            }
            ++batch.actions[std::string(to_string(step.action))];
            if (!step.reason.empty()) ++batch.reasons[step.reason];
            if (step.action == WinbackAction::wait) continue;
            batch.transitions.push_back(
                {std::move(c.member_id), std::move(*c.visits), std::move(step)});
        }
        each(batch);
    }
}

}  // namespace huitou
