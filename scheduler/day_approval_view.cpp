#include "scheduler/day_approval_view.h"

#include "core/day_approval.h"
#include "io/day_approvals.h"
#include "scheduler/day_preview.h"

namespace huitou {

std::vector<std::string> planned_jobs(RedisConnection& redis, const Config& config,
                                      const TemplateSet& templates, const std::string& store,
                                      const Date& day, SysSeconds now) {
    std::vector<std::string> planned;
    for (const auto& p : preview_day(redis, config, templates, day, store, now))
        for (const auto& m : p.messages)
            if (m.state == "planned") planned.push_back(m.job_id);
    return planned;
}

ApprovalDone approve_day(RedisConnection& redis, const Config& config, const TemplateSet& templates,
                         const std::string& store, const Date& day, const std::string& who,
                         const std::vector<std::string>& shown,
                         const std::vector<std::string>& ticked, SysSeconds now) {
    const auto plan =
        plan_approval(planned_jobs(redis, config, templates, store, day, now), shown, ticked);
    const auto [approved, cancelled] =
        DayApprovals(redis, config).approve(store, day, who, plan.approve, plan.cancel, now);
    return {approved, cancelled};
}

}  // namespace huitou
