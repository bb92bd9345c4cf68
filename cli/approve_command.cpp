#include "cli/approve_command.h"

#include <algorithm>
#include <ostream>

#include "core/day_approval.h"
#include "io/redis_connection.h"
#include "scheduler/day_approval_view.h"

namespace huitou {

void ApproveCommand::add_to(CLI::App& app) {
    command_ = app.add_subcommand(
        "approve", "Approve a store's day (approve_before_send): its planned messages may go");
    command_->add_option("--store", store_, "The store")->required();
    command_->add_option("--date", date_, "YYYY-MM-DD: the store's today")->required();
    command_->add_option("--by", by_, "Who approves (recorded, like a console login)")->required();
    command_->add_option("--except", except_, "A job id not to send (cancelled); repeatable");
}

std::optional<int> ApproveCommand::run(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    if (!command_ || !*command_) return std::nullopt;
    const auto* store = rt.config.find_store(store_);
    if (!store) {
        errors << "huitou: --store " << store_ << ": not a store in " << rt.config.origin << "\n";
        return 2;
    }
    if (!store->approve_before_send) {
        errors << "huitou: --store " << store_
               << ": approve_before_send is off, its messages need no approval\n";
        return 2;
    }
    const SysSeconds now = rt.clock->now();
    const Date today = local_date(now, store->zone);
    const auto day = parse_date(date_);
    if (!day || *day != today) {
        errors << "huitou: --date " << date_ << ": only the store's today (" << format_date(today)
               << ") can be approved\n";
        return 2;
    }
    RedisConnection redis(rt.redis);
    const TemplateSet templates = load_templates(rt.config);
    const auto planned = planned_jobs(redis, rt.config, templates, store_, today, now);
    for (const auto& id : except_) {
        if (std::find(planned.begin(), planned.end(), id) == planned.end()) {
            errors << "huitou: --except " << id << ": not a planned message of " << store_ << " on "
                   << date_ << "\n";
            return 2;
        }
    }
    std::vector<std::string> ticked;
    for (const auto& id : planned)
        if (std::find(except_.begin(), except_.end(), id) == except_.end()) ticked.push_back(id);
    const auto done =
        approve_day(redis, rt.config, templates, store_, today, by_, planned, ticked, now);
    out << store_ << " " << date_ << " approved by " << by_ << ": " << done.approved
        << " messages may go, " << done.cancelled << " cancelled\n";
    return 0;
}

}  // namespace huitou
