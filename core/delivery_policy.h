// delivery_policy.h — what one member gets on one day, and why not the rest.
//
// The step between occasions (core/occasion.h, the win-back's step) and jobs,
// pure, and the one place the rules live: planning (scheduler/day_planner.h)
// creates the jobs it returns, and `huitou preview` prints them, so a preview
// is by construction what planning does. For each of the member's candidates
// that day, in priority order (birthday, child's birthday, festival, card
// expiry, points, win-back), a job or a reason:
//
//   not_in_audience  the festival is not for them
//   no_channel       no address on any of the store's channels
//   opted_out        their address is on the store's opt-out list
//   no_consent       no marketing opt-in (or, on WeChat, no subscription)
//   no_template      the store has no template for it
//   quiet_hours      planned after the day's send windows closed
//   merged           named in a higher one's message (a merge template)
//   capped           over a cap: per day, per week, per 30 days
//   cooldown         too soon after another message (per-kind cooldowns)
//
// Then the survivors by priority: the first takes the day's slot; a lower
// one is merged into it when the store has a template for the pair
// (`birthday+festival` …; twins' birthdays fold into one greeting naming
// both), else it takes another slot if the caps allow, else it is capped. A
// service notice may also merge into another notice that takes a slot
// (`card_expiry+points`: the card and the points in one message, even
// behind the day's greeting). A
// candidate whose message the history shows already went today (planning
// again after a restart) keeps its slot and is not counted twice. Each job
// is due at its spread time in the chosen channel's windows
// (core/send_window.h) and expires at the end of the day.
//
// The dispatch-time checks (scripts/claim_due.lua, the workers) hold the same
// windows, consent and caps again, for what changed after planning.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"
#include "core/occasion.h"
#include "core/planner.h"

namespace huitou {

// One member's day, as planning reads it.
struct MemberDay {
    const Member& member;             // with their contact history
    std::vector<Occasion> occasions;  // every candidate that day, in any order
    Suppression opted_out;            // their addresses on the store's opt-out lists
    Date day;                         // the store's local day being planned
    SysSeconds now;                   // when planning runs
    // What spreads the member's messages over the day's open time: empty,
    // "<member>|<occasion id>" (each message its own time, hash layout); a
    // store on day sheets gives "<YYYY-MM-DD>|<sheet>", so a sheet's records
    // of one channel share a due time and go in one claim (io/sheet_store.h).
    std::string spread_key = {};
};

struct Verdict {
    Kind kind = Kind::birthday;
    std::string occasion_id;    // the id its job has, or would have
    std::optional<Job> job;     // set when a message goes
    bool already_sent = false;  // the history shows it was dispatched earlier today
    std::string reason;         // when no job (see the header)
    std::string detail;         // for people: what was merged, which cap, which window
};

// The verdicts for `in.occasions`, one each, in priority order.
std::vector<Verdict> plan_member_day(const MemberDay& in, const StoreConfig& store,
                                     const TemplateSet& templates);

// The pairs a store may merge, winner first, and the template name of each:
// "birthday+festival", "child_birthday+festival", "birthday+child_birthday",
// "card_expiry+points".
const std::vector<std::pair<Kind, Kind>>& merge_pairs();
std::string merge_template_name(Kind winner, Kind merged);

// The open intervals of `day` for `channel` at `store`.
std::vector<OpenInterval> store_open_intervals(const StoreConfig& store, Channel channel,
                                               const Date& day);

// What the dispatch-time checks (scripts/claim_due.lua) need of a store's
// policy at `now`: its local day and that day's open intervals per channel.
// The day's date, start and end too: the claim of a day-sheets store
// (io/job_store.h) turns a record's due time, kept after its day's start,
// into an instant, and a sheet of an earlier day into expired records —
// Lua in Redis has no time zones.
struct DispatchRules {
    int today = 0;           // the store's local day number
    Date day;                // the store's local date at `now`
    SysSeconds day_start{};  // its first instant
    SysSeconds day_end{};    // the next day's first instant: today's jobs expire there
    std::vector<OpenInterval> sms, wechat;
    const PolicyConfig* policy = nullptr;
    // The day whose approval each job needs (core/day_approval.h), or
    // nullopt: the store sends without approval.
    std::optional<Date> approval;

    const std::vector<OpenInterval>& open(Channel c) const {
        return c == Channel::sms ? sms : wechat;
    }
};
DispatchRules dispatch_rules(const StoreConfig& store, SysSeconds now);

// Whether a job of `store` on `channel` may leave at `now`; else when it may
// (an opening before `expires_at`), or nullopt: not today any more.
struct WindowCheck {
    bool open = false;
    std::optional<SysSeconds> next;
};
WindowCheck check_window(const StoreConfig& store, Channel channel, SysSeconds now,
                         SysSeconds expires_at);

}  // namespace huitou
