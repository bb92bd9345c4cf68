// day_approval_view.h — approving a store's day against the day view, for the
// console's day page and `huitou approve` alike.
//
// Which jobs are the day's planned messages is preview_day's answer
// (scheduler/day_preview.h) — the list the page showed and the CLI prints —
// read again when the approval arrives; plan_approval (core/day_approval.h)
// turns what was shown and ticked into what to approve and what to cancel;
// DayApprovals (io/day_approvals.h) writes it in one script. One function, so
// the page and the CLI cannot approve differently.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/message_template.h"
#include "io/redis_connection.h"

namespace huitou {

// The ids of `store`'s jobs of `day` still planned, by time, seen at `now`.
// Throws RedisError.
std::vector<std::string> planned_jobs(RedisConnection& redis, const Config& config,
                                      const TemplateSet& templates, const std::string& store,
                                      const Date& day, SysSeconds now);

struct ApprovalDone {
    long long approved = 0;
    long long cancelled = 0;
};

// `who` approves `store`'s `day` at `now`: of the jobs shown to them
// (`shown`), the `ticked` ones may go and the rest are cancelled (see
// plan_approval). Throws RedisError.
ApprovalDone approve_day(RedisConnection& redis, const Config& config, const TemplateSet& templates,
                         const std::string& store, const Date& day, const std::string& who,
                         const std::vector<std::string>& shown,
                         const std::vector<std::string>& ticked, SysSeconds now);

}  // namespace huitou
