#include "cli/job_commands.h"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/log_mask.h"
#include "io/job_listing.h"
#include "io/job_store.h"
#include "scheduler/admin_views.h"

namespace huitou {
namespace {

void print(const std::vector<Job>& jobs, bool json, std::ostream& out) {
    if (json) {
        auto a = nlohmann::json::array();
        for (const auto& j : jobs)
            a.push_back(job_json(j));
        out << a.dump(2) << "\n";
        return;
    }
    for (const auto& j : jobs) {
        // A record before its claim has no address yet: it is the member's
        // at dispatch.
        out << j.store << "  " << j.id << "  " << to_string(j.state) << "  " << to_string(j.channel)
            << " " << (j.to.empty() ? "(written at dispatch)" : mask_recipient(j.channel, j.to))
            << "  attempts " << j.attempts << (j.error.empty() ? "" : "  " + j.error) << "\n";
    }
}

std::vector<std::string> stores_of(const Runtime& rt, const std::string& only) {
    std::vector<std::string> out;
    for (const auto& [id, store] : rt.config.stores) {
        if (only.empty() || id == only) out.push_back(id);
    }
    return out;
}

}  // namespace

void JobCommands::add_to(CLI::App& app, CLI::App* jobs) {
    jobs_ = jobs;
    jobs->add_option("--state", state_, "List the jobs in this state (planned, failed, ...)");
    jobs->add_option("--member", member_, "List this member's jobs");
    jobs->add_option("--date", date_, "List the jobs of this occasion date (YYYY-MM-DD)");
    jobs->add_flag("--json", json_, "JSON output");
    dlq_ = app.add_subcommand("dlq", "The failed jobs; --retry ID or --all plans them again");
    dlq_->add_option("--store", dlq_store_, "Only this store");
    dlq_->add_option("--retry", retry_, "Plan this failed job again (repeatable)");
    dlq_->add_flag("--all", all_, "Plan every failed job again");
    dlq_->add_flag("--json", dlq_json_, "JSON output");
}

std::optional<int> JobCommands::run(const Runtime& rt, const std::string& store, std::ostream& out,
                                    std::ostream& err) {
    const bool jobs = jobs_ && *jobs_;
    const bool filtered = jobs && (!state_.empty() || !member_.empty() || !date_.empty());
    if (!filtered && !(jobs && json_) && !(dlq_ && *dlq_)) return std::nullopt;
    RedisConnection redis(rt.redis);
    JobListing listing(redis);
    if (filtered) {
        JobFilter filter{std::nullopt, member_, date_};
        if (!state_.empty()) {
            filter.state = parse_job_state(state_);
            if (!filter.state) throw ConfigError("--state: unknown state \"" + state_ + "\"");
        }
        std::vector<Job> found;
        for (const auto& id : stores_of(rt, store)) {
            const auto& sc = *rt.config.find_store(id);
            auto jobs = listing.find(sc, filter, local_date(rt.clock->now(), sc.zone),
                                     rt.config.scheduler.job_retention);
            found.insert(found.end(), jobs.begin(), jobs.end());
        }
        print(found, json_, out);
        return found.empty() ? 3 : 0;
    }
    if (jobs) {
        JobStore counts(redis, rt.config.scheduler);
        nlohmann::json j = nlohmann::json::object();
        for (const auto& id : stores_of(rt, store))
            j[id] = counts.counts(id);
        out << j.dump(2) << "\n";
        return 0;
    }
    std::vector<Job> failed;
    // A job fails after a provider call, when it is a hash: no record is failed.
    for (const auto& id : stores_of(rt, dlq_store_))
        for (auto& j : listing.find_hashes(id, {JobState::failed, "", ""}))
            failed.push_back(std::move(j));
    if (retry_.empty() && !all_) {
        print(failed, dlq_json_, out);
        return failed.empty() ? 3 : 0;
    }
    std::size_t planned = 0, refused = 0;
    const SysSeconds now = rt.clock->now();
    for (const auto& j : failed) {
        if (!all_ && std::find(retry_.begin(), retry_.end(), j.id) == retry_.end()) continue;
        const auto r = listing.retry(j.store, j.id, now);
        if (r == JobListing::Retry::planned) {
            ++planned;
        } else {
            ++refused;
            err << "huitou: " << j.store << " " << j.id << ": "
                << (r == JobListing::Retry::expired ? "past its expiry, not retried"
                                                    : "no longer failed")
                << "\n";
        }
    }
    for (const auto& id : retry_) {
        if (std::none_of(failed.begin(), failed.end(), [&](const Job& j) { return j.id == id; })) {
            ++refused;
            err << "huitou: " << id << ": no failed job with this id\n";
        }
    }
    out << "planned again " << planned << ", not retried " << refused << "\n";
    return refused == 0 && planned > 0 ? 0 : 3;
}

}  // namespace huitou
