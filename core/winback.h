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
// The message itself goes through the delivery policy like any occasion
// (core/delivery_policy.h: channel, consent, windows, caps, the cooldown
// after other messages), so this is two steps: plan_winback says what the
// member's step is today (a message step carries its occasion, no job yet),
// and settle_winback applies the policy's verdict. Held back (cooldown,
// capped, quiet_hours) the member waits, nothing moves, and they are looked
// at again the next day; unreachable (no channel, no consent, opted out, no
// template) a first reminder parks them and a follow-up is skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/delivery_policy.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"
#include "core/occasion.h"
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
    int day = 0;                       // the day number the member's index entry gets afterwards
    std::optional<Occasion> occasion;  // a message step, before the policy has spoken
    std::optional<Job> job;            // the message, once it has
    std::string reason;  // why there is no message: cooldown, no_consent, no_member, ...
};

// Today's win-back step for a member with visit state `v` (`m`: the member
// record, nullptr if the member list lacks them). `today` is the store's
// local date. A message step comes back as `remind` with its occasion and no
// job: settle_winback finishes it.
WinbackStep plan_winback(const VisitState& v, const Member* m, const Date& today,
                         const StoreConfig& store);

// The occasion of reminder `step` of the absence that began with the visit
// on `v.last_date`: kind winback, priority 5, its step in the values.
Occasion winback_occasion(const VisitState& v, int step);

// A message step `due` once the delivery policy gave `verdict` for its
// occasion on `today`: the reminder (a job), a wait (held back: cooldown,
// capped, quiet_hours), or unreachable — parked for a first reminder,
// skipped for a follow-up.
WinbackStep settle_winback(WinbackStep due, const Verdict& verdict, const Date& today,
                           const StoreConfig& store);

// True for the reasons that hold a message back for today only.
bool is_held_back(std::string_view reason);

// The id of reminder `step` of the episode that began with the visit on
// `last_visit`: "winback:<member>:<last visit date>:<step>".
std::string winback_job_id(std::string_view member_id, const Date& last_visit, int step);

}  // namespace huitou
