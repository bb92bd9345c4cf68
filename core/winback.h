// winback.h — what the win-back does about one member today: nothing, a
// reminder, a follow-up, or letting them go.
//
// Pure. The scheduler finds today's candidates by range reads on the win-back
// indexes (members whose lapse day, follow-up day or recheck day has come),
// reads each one's visit state and member record, and asks plan_winback. The
// indexes are a hint and the member's own visits decide: the cycle and lapse
// day are computed again here (visit_cycle.h), so a member indexed too early
// is only rescheduled.
//
// One reminder when a member lapses, then at most K follow-ups, each
// `followup_days[i]` after the one before (growing gaps), then, `churn_days`
// after the last one, churned: nothing more. Steps are taken one per planned
// day, so after an outage a missed reminder is caught up once and the next
// follow-up counts its gap from then — never a burst. A member absent longer
// than `max_absence_days` when found (an old history import) is churned
// without a message. A member who cannot be reached (no member record, no
// channel, no consent) is parked and looked at again after `recheck_days`; a
// follow-up that cannot go is skipped.
//
// Not here: the cross-kind delivery policy (one message per member per day by
// priority, cooldowns after any message, caps, quiet hours). Until it comes,
// the caller passes `busy` when the member has another message today or had
// one yesterday, and the win-back waits a day.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"
#include "core/visit_state.h"

namespace huitou {

enum class WinbackAction {
    wait,        // nothing today (`reason` says why when it is not "not due")
    reschedule,  // not due after all: the index entry moves to `day`
    remind,      // `job` is the reminder (step 1) or a follow-up (step > 1)
    skip,        // a follow-up that cannot go: the step passes without a message
    park,        // lapsed but unreachable: looked at again on `day`
    churn,       // churned from today
};
std::string_view to_string(WinbackAction a);

struct WinbackStep {
    WinbackAction action = WinbackAction::wait;
    WinbackState state = WinbackState::active;  // afterwards
    int step = 0;                               // reminders planned in the episode, afterwards
    int day = 0;  // the day number the member's index entry gets afterwards
    std::optional<Job> job;
    std::string reason;  // why there is no message: busy, no_consent, no_member, ...
};

// Today's win-back step for a member with visit state `v` (`m`: the member
// record, nullptr if the member list lacks them; `busy`: another message
// today or yesterday). `today` is the store's local date and `now` within it.
WinbackStep plan_winback(const VisitState& v, const Member* m, bool busy, const Date& today,
                         const StoreConfig& store, const TemplateSet& templates, SysSeconds now);

// The id of reminder `step` of the episode that began with the visit on
// `last_visit`: "winback:<member>:<last visit date>:<step>".
std::string winback_job_id(std::string_view member_id, const Date& last_visit, int step);

// Jobs of other kinds whose ids can be known in advance and which make a
// member busy for a win-back on `today`: birthday and card-expiry, today and yesterday.
std::vector<std::string> cooldown_job_ids(std::string_view member_id, const Date& today);

// True when a job in state `s` may have reached, or will reach, the member.
bool may_reach_member(JobState s);

}  // namespace huitou
