// day_approval.h — a store's day waits for a person's yes before it leaves.
//
// A store with `approve_before_send` (core/config.h) sends nothing of a day
// until someone approves it in the console (console/today_page.h): the
// approval names who, when, and the jobs approved — ticked on the page —
// and cancels the ones left unticked ("not approved by <login>"). The
// record lives in Redis (hu:{S}:approved:<date>, io/day_approvals.h), so
// every scheduler replica sees it, and after a restart too.
//
// The rule is here, pure: may_claim() is what the dispatch-time claim
// (scripts/claim_due.lua, which mirrors it) asks of each due job, and
// approval_day() says which day's record the claim at `now` reads. A job
// that may not be claimed waits, due again at its day's end, where it ends
// `expired` unless approved meanwhile. plan_approval() turns the page's form
// into what to approve and what to cancel. Staff hold one message with
// held_error(); the error texts are core/console_words.h's to translate.
//
// Deliberately not here: approving days ahead (jobs of a day exist only once
// it is planned, at its midnight) or taking an approval back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/config.h"

namespace huitou {

// The local day whose approval a claim of `store` at `now` needs, or nullopt
// when the store sends without approval.
std::optional<Date> approval_day(const StoreConfig& store, SysSeconds now);

// Whether a due job may be claimed: always without an approval day, else
// only when the day's approval lists it.
bool may_claim(const std::optional<Date>& approval_day, bool job_approved);

// What an approval does. `planned`: the day's jobs still planned (the day
// view, read when the form arrives); `shown`: the jobs the form listed;
// `ticked`: the ones left ticked. Approved: ticked and planned. Cancelled:
// shown, planned and not ticked. A job planned after the page was drawn is
// neither (it waits for the next approval); a ticked job no longer planned
// (held meanwhile, sent) is ignored. Each list in the order of `planned`.
struct ApprovalPlan {
    std::vector<std::string> approve;
    std::vector<std::string> cancel;
};
ApprovalPlan plan_approval(const std::vector<std::string>& planned,
                           const std::vector<std::string>& shown,
                           const std::vector<std::string>& ticked);

// The error of a job that staff held for today: "held by staff <login>".
std::string held_error(std::string_view login);
// The error of a job left unticked at approval: "not approved by <login>".
std::string not_approved_error(std::string_view login);

}  // namespace huitou
