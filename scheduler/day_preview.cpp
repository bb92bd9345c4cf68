#include "scheduler/day_preview.h"

#include <algorithm>
#include <map>

#include "core/day_approval.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"
#include "scheduler/day_planner.h"

namespace huitou {
namespace {

// The reason an existing job of the day will not (or did not) reach the member.
std::optional<std::string> ended_reason(const Job& job, const FieldMap& fields) {
    switch (job.state) {
        case JobState::expired:
            return std::string("expired");
        case JobState::failed:
            return std::string("failed");
        case JobState::unknown:
            return std::string("unknown");
        case JobState::held:
            return std::string("holdout");
        case JobState::cancelled: {
            const auto it = fields.find("error");
            const std::string why = it == fields.end() ? std::string() : it->second;
            // claim_due and record_consent name the rule: opted_out, no_consent, capped, ...
            // A person's cancel is a sentence naming them (core/day_approval.h).
            if (why.starts_with(held_error("")) || why == "held_by_staff")
                return std::string("held");
            if (why.starts_with(not_approved_error(""))) return std::string("not_approved");
            return why.empty() || why.find(' ') != std::string::npos ? std::string("cancelled")
                                                                     : why;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

std::vector<StorePreview> preview_day(RedisConnection& redis, const Config& config,
                                      const TemplateSet& templates, const Date& day,
                                      const std::string& store_filter, SysSeconds now) {
    std::vector<StorePreview> out;
    DayPlanner planner(redis, config, templates,
                       static_cast<std::size_t>(config.scheduler.plan_batch));
    for (const auto& [id, store] : config.stores) {
        if (!store_filter.empty() && id != store_filter) continue;
        StorePreview p;
        p.store = id;
        p.day = day;
        // Today as planning would see it now; another day as at its midnight.
        p.planned_at = local_date(now, store.zone) == day ? now : start_of_day(day, store.zone);
        // A store on day sheets (or about to be moved there by its first
        // planning) spreads its due times by sheet: the day's sheet count
        // if planning fixed it, else the one it would fix.
        DaySheets sheets;
        SheetStore sheet_store(redis);
        if (config.scheduler.job_storage == JobStorage::sheets ||
            sheet_store.layout(id) == sheet_layout)
            sheets = sheet_store.day_sheets(id, day, planner.expected_jobs(store, day));
        std::vector<DayVerdict> verdicts;
        planner.occasions(
            store, day, p.planned_at,
            [&](OccasionBatch& b) {
                for (auto& v : b.verdicts)
                    verdicts.push_back(std::move(v));
            },
            sheets);
        planner.winbacks(store, day, p.planned_at, [&](WinbackBatch& b) {
            for (auto& v : b.verdicts)
                verdicts.push_back(std::move(v));
        });
        // What became of the jobs the day already has.
        const int k = shard_count(redis, id);  // read before the pipeline
        for (const auto& v : verdicts)
            redis.append(
                {"HGETALL", keys::job(Shard{id, k, job_shard(v.verdict.occasion_id, k).value_or(0)},
                                      v.verdict.occasion_id)});
        std::map<std::string, std::string> merged_into;  // winner id → merged occasion
        std::vector<std::pair<std::optional<Job>, FieldMap>> existing;
        for (const auto& v : verdicts) {
            const auto reply = redis.read();
            reply.expect_ok("HGETALL job");
            FieldMap fields = field_map(reply);
            auto job =
                fields.empty() ? std::nullopt : job_from_fields(id, v.verdict.occasion_id, fields);
            existing.emplace_back(std::move(job), std::move(fields));
            if (v.verdict.reason == "merged" && v.verdict.detail.starts_with("into "))
                merged_into[v.verdict.detail.substr(5)] = v.verdict.occasion_id;
        }
        // A store whose planned jobs are records of the day's sheets (layout
        // 2) has no hash for them before their claim: the records answer.
        // Their text is written at dispatch; what planning would write now
        // is shown for it.
        std::map<std::string, Job> records;
        for (auto& j : SheetStore(redis).day_jobs(id, day, store.zone))
            if (j.state != JobState::dispatched) records.emplace(j.id, std::move(j));
        for (std::size_t i = 0; i < verdicts.size() && !records.empty(); ++i) {
            auto& [job, fields] = existing[i];
            const auto it = records.find(verdicts[i].verdict.occasion_id);
            if (job || it == records.end()) continue;
            job = it->second;
            if (verdicts[i].verdict.job) job->text = verdicts[i].verdict.job->text;
            fields = {{"error", job->error}};
        }
        for (std::size_t i = 0; i < verdicts.size(); ++i) {
            const auto& [member_id, name, v] = verdicts[i];
            const auto& [job, fields] = existing[i];
            const Job* shown = job ? &*job : (v.job ? &*v.job : nullptr);
            std::optional<std::string> reason;
            std::string detail = v.detail;
            if (job) {
                reason = ended_reason(*job, fields);
                if (reason && job->state != JobState::held) detail = job->error;
            } else if (!v.job || v.job->state == JobState::held) {
                reason = v.reason;
            }
            if (reason) {
                p.skipped.push_back({member_id, name, v.kind, v.occasion_id, *reason, detail});
                continue;
            }
            PreviewMessage m;
            m.member_id = member_id;
            m.member_name = name;
            m.kind = shown->kind;
            m.job_id = shown->id;
            m.channel = shown->channel;
            m.at = shown->due_at;
            if (job && fields.contains("finished_at")) {
                m.at = SysSeconds{std::chrono::seconds{std::stoll(fields.at("finished_at"))}};
            }
            m.text = shown->text;
            m.state = job ? std::string(to_string(job->state)) : "new";
            if (const auto it = merged_into.find(m.job_id); it != merged_into.end())
                m.merged = it->second;
            p.messages.push_back(std::move(m));
        }
        std::stable_sort(
            p.messages.begin(), p.messages.end(),
            [](const PreviewMessage& a, const PreviewMessage& b) { return a.at < b.at; });
        std::stable_sort(
            p.skipped.begin(), p.skipped.end(),
            [](const PreviewSkip& a, const PreviewSkip& b) { return a.member_id < b.member_id; });
        out.push_back(std::move(p));
    }
    return out;
}

StorePreview only_announcement(StorePreview p, const Announcement& a) {
    const std::string tail = ":" + format_date(a.date) + ":" + a.id;
    auto theirs = [&](std::string_view id) {
        const auto parts = parse_job_id(id);
        return parts && parts->kind == Kind::announcement && id.ends_with(tail);
    };
    std::erase_if(p.messages, [&](const PreviewMessage& m) { return !theirs(m.job_id); });
    std::erase_if(p.skipped, [&](const PreviewSkip& s) { return !theirs(s.occasion_id); });
    return p;
}

nlohmann::json preview_json(const std::vector<StorePreview>& previews, const Config& config) {
    auto stores = nlohmann::json::array();
    for (const auto& p : previews) {
        const auto* zone = config.find_store(p.store)->zone;
        auto messages = nlohmann::json::array();
        for (const auto& m : p.messages) {
            nlohmann::json j{{"member_id", m.member_id},
                             {"name", m.member_name},
                             {"kind", to_string(m.kind)},
                             {"job_id", m.job_id},
                             {"channel", to_string(m.channel)},
                             {"at", format_instant(m.at, zone)},
                             {"text", m.text},
                             {"state", m.state}};
            if (!m.merged.empty()) j["merged"] = m.merged;
            messages.push_back(std::move(j));
        }
        auto skipped = nlohmann::json::array();
        for (const auto& s : p.skipped) {
            skipped.push_back({{"member_id", s.member_id},
                               {"name", s.member_name},
                               {"kind", to_string(s.kind)},
                               {"occasion", s.occasion_id},
                               {"reason", s.reason},
                               {"detail", s.detail}});
        }
        stores.push_back({{"store", p.store},
                          {"date", format_date(p.day)},
                          {"planned_at", format_instant(p.planned_at, zone)},
                          {"messages", std::move(messages)},
                          {"skipped", std::move(skipped)}});
    }
    return nlohmann::json{{"stores", std::move(stores)}};
}

}  // namespace huitou
