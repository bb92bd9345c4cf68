#include "io/day_approvals.h"

#include <cstdlib>

#include "core/day_approval.h"
#include "core/job_record.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {

DayApprovals::DayApprovals(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), approve_("approve_day") {}

std::optional<DayApproval> DayApprovals::get(const std::string& store, const Date& day) {
    // Each shard keeps the approval of its own jobs; the day is approved when
    // every shard's record says so (an approval cut short by a crash is not one).
    std::vector<RedisCommand> reads;
    for (const auto& shard : shards_of(redis_, store))
        reads.push_back({"HGETALL", keys::approval(shard, format_date(day))});
    DayApproval a;
    for (const auto& reply : redis_.pipeline(reads)) {
        reply.expect_ok("HGETALL approval");
        const FieldMap fields = field_map(reply);
        if (fields.empty()) return std::nullopt;
        for (const auto& [field, value] : fields) {
            if (field == "by")
                a.by = value;
            else if (field == "at")
                a.at = SysSeconds{std::chrono::seconds{std::stoll(value)}};
            else if (field.starts_with("j:"))
                a.jobs.insert(field.substr(2));
        }
    }
    return a;
}

std::pair<long long, long long> DayApprovals::approve(const std::string& store, const Date& day,
                                                      const std::string& who,
                                                      const std::vector<std::string>& approve,
                                                      const std::vector<std::string>& cancel,
                                                      SysSeconds now) {
    const auto* zone = config_.find_store(store)->zone;
    const Date next{date::sys_days{day} + date::days{1}};
    const SysSeconds keep_until = start_of_day(next, zone) + config_.scheduler.job_retention;
    const auto shards = shards_of(redis_, store);
    const int k = static_cast<int>(shards.size());
    // Where each job's record would be, for a job planned as a record of
    // the day's sheets (layout 2); the script looks at its hash first.
    std::vector<RedisCommand> counts;
    for (const auto& shard : shards)
        counts.push_back({"HGET", keys::sheets(shard, format_date(day)), "n"});
    const auto n = redis_.pipeline(counts);
    std::pair<long long, long long> done{0, 0};
    // approve_day.lua a shard, with that shard's jobs; every shard is
    // written, also one without jobs, so that each shard's claims know.
    for (const auto& shard : shards) {
        const auto& reply_n = n[static_cast<std::size_t>(shard.index)].expect_ok("HGET sheets n");
        const int sheets =
            reply_n.type == RedisReply::Type::string ? std::atoi(reply_n.str.c_str()) : 0;
        std::vector<std::string> mine[2];
        const std::vector<std::string>* lists[2] = {&approve, &cancel};
        for (int l = 0; l < 2; ++l)
            for (const auto& id : *lists[l])
                if (job_shard(id, k).value_or(0) == shard.index) mine[l].push_back(id);
        std::vector<std::string> args{unix_seconds(now),
                                      who,
                                      keys::job_prefix(shard),
                                      std::to_string(config_.scheduler.job_retention.count()),
                                      unix_seconds(keep_until),
                                      not_approved_error(who),
                                      std::to_string(mine[0].size()),
                                      keys::shard_prefix(shard),
                                      format_date(day)};
        for (const auto& ids : mine) {
            for (const auto& id : ids) {
                const auto parts = parse_job_id(id);
                const auto field = record_field(id, day);
                args.push_back(id);
                if (sheets > 0 && parts && field) {
                    args.push_back(std::to_string(sheet_of(parts->member_id, sheets)));
                    args.push_back(*field);
                } else {
                    args.push_back("");
                    args.push_back("");
                }
            }
        }
        const auto reply =
            approve_.run(redis_,
                         {keys::approval(shard, format_date(day)), keys::due(shard),
                          keys::inflight(shard), keys::counts(shard), keys::webhooks_on(shard),
                          keys::webhook_events(shard), keys::sheet_due(shard)},
                         args);
        reply.expect_ok("approve_day");
        if (reply.elements.size() < 2) continue;
        done.first += reply.elements[0].integer;
        done.second += reply.elements[1].integer;
    }
    return done;
}

}  // namespace huitou
