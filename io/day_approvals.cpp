#include "io/day_approvals.h"

#include <cstdlib>

#include "core/day_approval.h"
#include "core/job_record.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"

namespace huitou {

DayApprovals::DayApprovals(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), approve_("approve_day") {}

std::optional<DayApproval> DayApprovals::get(const std::string& store, const Date& day) {
    const auto reply =
        redis_.command({"HGETALL", keys::approval(only_shard(store), format_date(day))});
    reply.expect_ok("HGETALL approval");
    const FieldMap fields = field_map(reply);
    if (fields.empty()) return std::nullopt;
    DayApproval a;
    for (const auto& [field, value] : fields) {
        if (field == "by")
            a.by = value;
        else if (field == "at")
            a.at = SysSeconds{std::chrono::seconds{std::stoll(value)}};
        else if (field.starts_with("j:"))
            a.jobs.insert(field.substr(2));
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
    std::vector<std::string> args{unix_seconds(now),
                                  who,
                                  keys::job_prefix(only_shard(store)),
                                  std::to_string(config_.scheduler.job_retention.count()),
                                  unix_seconds(keep_until),
                                  not_approved_error(who),
                                  std::to_string(approve.size()),
                                  keys::shard_prefix(only_shard(store)),
                                  format_date(day)};
    // Where each job's record would be, for a job planned as a record of
    // the day's sheets (layout 2); the script looks at its hash first.
    const auto n = redis_.command({"HGET", keys::sheets(only_shard(store), format_date(day)), "n"});
    n.expect_ok("HGET sheets n");
    const int sheets = n.type == RedisReply::Type::string ? std::atoi(n.str.c_str()) : 0;
    for (const auto* ids : {&approve, &cancel}) {
        for (const auto& id : *ids) {
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
                     {keys::approval(only_shard(store), format_date(day)),
                      keys::due(only_shard(store)), keys::inflight(only_shard(store)),
                      keys::counts(only_shard(store)), keys::webhooks_on(only_shard(store)),
                      keys::webhook_events(only_shard(store)), keys::sheet_due(only_shard(store))},
                     args);
    reply.expect_ok("approve_day");
    if (reply.elements.size() < 2) return {0, 0};
    return {reply.elements[0].integer, reply.elements[1].integer};
}

}  // namespace huitou
