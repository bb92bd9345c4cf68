// holdout.h — who is held out of a message, so that its effect can be
// measured against members who did not get it.
//
// Pure. A member who would get a message of a kind is held out with the
// store's share for that kind (core/effect_config.h). The choice is a hash of
// store, member, kind and period — not a random number — so planning a day
// again, a preview, or a second scheduler picks the same members, and it
// knows nothing of the member, so the held-out group is like the messaged
// one in everything but the message.
//
// A member is never held out twice running for the same kind: each store
// keeps, per kind, the last period a member was held out (and, once a
// member held out before is messaged, that period with "messaged"), and
// the rule reads it (io/job_store.h writes it with the job, atomically).
// The hash is compared with the share itself, so a period never holds out
// more than the share; in the long run, since the members held out last
// time sit this one out, it holds p = s (1 − p), i.e. s / (1 + s): 9.1 %
// for 10 %. (Comparing with s / (1 − s) would reach s in the long run, but
// hold out s / (1 − s) the first time — 43 % for 30 % — and a shop loses
// those messages; a slightly smaller control group costs only precision.)
//
// The period is what one message is about: the year of a birthday, the day
// of a festival, the card's last day (every reminder of it), the absence of
// a win-back (every reminder of it, named by the last visit's date).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/delivery_policy.h"
#include "core/effect_config.h"
#include "core/job.h"

namespace huitou {

// The period of a job of `kind` for its occasion `date` and the job id's
// detail (a child's key, a festival's key, a step): "2027" for a birthday,
// "2027:<child>" for a child's, "2027-09-15:mid_autumn" for a festival,
// "2027-09-22" for a card's expiry or a win-back's absence.
std::string holdout_period(Kind kind, const Date& occasion, std::string_view detail);

// The member's last recorded group for a kind: the period and whether they
// were held out then.
struct HoldoutRecord {
    std::string period;
    bool held = false;

    friend bool operator==(const HoldoutRecord&, const HoldoutRecord&) = default;
};

// "2027-09-15:mid_autumn h" / "... m", and back (nullopt if malformed).
std::string format_holdout_record(const HoldoutRecord& r);
std::optional<HoldoutRecord> parse_holdout_record(std::string_view text);

// A number in [0, 1) fixed by (store, member, kind, period): FNV-1a over the
// four, mixed by SplitMix64's finalizer. Stable across machines and versions.
double holdout_draw(std::string_view store, std::string_view member, Kind kind,
                    std::string_view period);

// Whether the member is held out of `period`, given `share` and their last
// record: a record of this very period keeps its answer (a replan); held out
// the last time, never again now.
bool is_held_out(double share, double draw, std::string_view period,
                 const std::optional<HoldoutRecord>& last);

// What to record after deciding `held` for `period` given `last`: nullopt
// when nothing needs writing (messaged, and not held out last time).
std::optional<HoldoutRecord> holdout_record_after(bool held, std::string_view period,
                                                  const std::optional<HoldoutRecord>& last);

// The holdout applied to a verdict of the delivery policy: a message that
// goes (`v.job`) to a member chosen for the holdout becomes a `held` job
// with reason "holdout"; it keeps its place in the day (its slot, its caps),
// so a held member is planned exactly as a messaged one and only the
// sending differs. `last` is the member's record for the kind; the job
// carries the record to write (Job::holdout_record).
void apply_holdout(Verdict& v, std::string_view store, const EffectConfig& effect,
                   const std::optional<HoldoutRecord>& last);

}  // namespace huitou
