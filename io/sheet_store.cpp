#include "io/sheet_store.h"

#include <algorithm>
#include <stdexcept>

#include "core/separated_list.h"
#include "core/sms_text.h"
#include "io/redis_keys.h"

namespace huitou {
namespace {

// A script call's size: big enough that the call's cost is shared, small
// enough not to hold Redis long (the claim waits behind it).
constexpr std::size_t kRecordsPerCall = 300;

std::string seconds(SysSeconds t) {
    return std::to_string(t.time_since_epoch().count());
}

}  // namespace

SheetStore::SheetStore(RedisConnection& redis) : redis_(redis), plan_("plan_records") {}

int SheetStore::layout(const std::string& store) {
    const auto reply = redis_.command({"GET", keys::jobs_version(store)});
    reply.expect_ok("GET jobs:v");
    if (reply.type != RedisReply::Type::string) return hash_layout;
    if (reply.str == "1") return hash_layout;
    if (reply.str == "2") return sheet_layout;
    throw RedisReplyError("GET " + keys::jobs_version(store), "not a job layout: " + reply.str);
}

void SheetStore::set_layout(const std::string& store, int layout) {
    redis_.command({"SET", keys::jobs_version(store), std::to_string(layout)})
        .expect_ok("SET jobs:v");
}

int SheetStore::sheets_for_day(const std::string& store, const Date& day, std::size_t expected) {
    const auto key = keys::sheets(store, format_date(day));
    const auto replies = redis_.pipeline(
        {{"HSETNX", key, "n", std::to_string(sheet_count(expected))}, {"HGET", key, "n"}});
    replies[0].expect_ok("HSETNX sheets n");
    replies[1].expect_ok("HGET sheets n");
    const int n = std::stoi(replies[1].str);
    if (n < 1) throw RedisReplyError("HGET " + key + " n", "not a sheet count: " + replies[1].str);
    return n;
}

JobRecord SheetStore::planned_record(const Job& job, const Date& day, SysSeconds day_start) {
    JobRecord r;
    r.state = job.state == JobState::held ? JobState::held : JobState::planned;
    r.channel = job.channel;
    r.marketing = job.marketing;
    r.sms_parts = job.channel == Channel::sms
                      ? static_cast<int>(std::min<std::size_t>(sms_parts(job.text), 9))
                      : 0;
    r.due = job.due_at - day_start;
    // The joined occasions by their fields, not their ids: shorter, and
    // rebuilt to ids with the sheet's day (core/job_render.h needs which).
    if (const auto merged = job.params.find("merged"); merged != job.params.end()) {
        std::vector<std::string> fields;
        for (const auto& id : split_list(merged->second, ' ')) {
            const auto field = record_field(id, day);
            if (!field)
                throw std::invalid_argument("not a job id: " + id + " (merged into " + job.id +
                                            ")");
            fields.push_back(*field);
        }
        r.merged = join_list(fields, ',');
    }
    return r;
}

std::size_t SheetStore::plan(const std::string& store, const Date& day, SysSeconds day_start,
                             int sheets, const std::vector<Job>& jobs) {
    std::size_t created = 0;
    for (const auto& reply :
         plan_.run_many(redis_, plan_calls(store, day, day_start, sheets, jobs))) {
        reply.expect_ok("plan_records");
        created += static_cast<std::size_t>(reply.integer);
    }
    return created;
}

std::vector<LuaScript::Call> SheetStore::plan_calls(const std::string& store, const Date& day,
                                                    SysSeconds day_start, int sheets,
                                                    const std::vector<Job>& jobs) const {
    std::vector<LuaScript::Call> calls;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i % kRecordsPerCall == 0) {
            calls.push_back({{keys::sheets(store, format_date(day)), keys::sheet_due(store),
                              keys::counts(store)},
                             {keys::store_prefix(store), format_date(day)}});
            calls.back().args.reserve(2 + 6 * kRecordsPerCall);
        }
        const Job& job = jobs[i];
        const auto field = record_field(job.id, day);
        if (!field) throw std::invalid_argument("not a job id: " + job.id);
        const auto record = planned_record(job, day, day_start);
        auto& a = calls.back().args;
        a.push_back(std::to_string(sheet_of(job.member_id, sheets)));
        a.push_back(*field);
        a.push_back(encode_record(record));
        a.push_back(job.state == JobState::held ? std::string() : seconds(job.due_at));
        a.push_back(format_date(job.occasion_date));
        a.push_back(job.holdout_record.empty()
                        ? std::string()
                        : std::string(to_string(job.kind)) + " " + job.holdout_record);
    }
    return calls;
}

void SheetStore::send_plan(const std::string& store, const Date& day, SysSeconds day_start,
                           int sheets, const std::vector<Job>& jobs) {
    if (!plan_loaded_) {
        plan_.load(redis_);
        plan_loaded_ = true;
    }
    const auto calls = plan_calls(store, day, day_start, sheets, jobs);
    for (const auto& call : calls)
        plan_.send(redis_, call);
    unread_.push_back(calls.size());
}

std::size_t SheetStore::collect_planned() {
    if (unread_.empty()) throw std::logic_error("collect_planned: nothing sent");
    std::size_t created = 0;
    for (std::size_t i = 0; i < unread_.front(); ++i) {
        const auto reply = redis_.read();
        reply.expect_ok("plan_records");
        created += static_cast<std::size_t>(reply.integer);
    }
    unread_.pop_front();
    return created;
}

void SheetStore::expire_day(const std::string& store, const Date& day, int sheets, SysSeconds at) {
    std::vector<RedisCommand> commands;
    const auto when = seconds(at);
    commands.push_back({"EXPIREAT", keys::sheets(store, format_date(day)), when});
    for (int i = 0; i < sheets; ++i)
        commands.push_back({"EXPIREAT", keys::sheet(store, format_date(day), i), when});
    for (const auto& reply : redis_.pipeline(commands))
        reply.expect_ok("EXPIREAT sheet");
}

std::optional<JobRecord> SheetStore::record(const std::string& store, const Date& day, int sheets,
                                            const std::string& job_id) {
    const auto field = record_field(job_id, day);
    const auto parts = parse_job_id(job_id);
    if (!field || !parts) return std::nullopt;
    const auto reply = redis_.command(
        {"HGET", keys::sheet(store, format_date(day), sheet_of(parts->member_id, sheets)), *field});
    reply.expect_ok("HGET sheet");
    if (reply.type != RedisReply::Type::string) return std::nullopt;
    const auto record = decode_record(reply.str);
    if (!record) throw RedisReplyError("HGET sheet " + *field, "a damaged record: " + reply.str);
    return record;
}

}  // namespace huitou
