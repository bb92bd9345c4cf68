// effect.h — did the messages work? Each kind's messaged members against its
// held-out members (core/holdout.h): how many came back, what they spent, the
// lift with a 95 % interval, and what the SMS cost.
//
// Pure: the I/O shell reads a store's touches (every planned job of the
// report's range and a window beyond it, messaged or held out) and its
// members' kept visits, and calls summarize; the CLI, the HTTP endpoint and
// the CSV print what it returns. docs/effect.md says it for a shop owner.
//
// Attribution is last touch: a visit counts for the latest touch whose
// window contains it, and for one touch only. A touch starts counting when
// the provider took the message, or when it was due if it never went — a
// held-out member's "would have been sent", and a failed or cancelled
// message alike (intent to treat: the groups are compared as they were
// drawn, or the messaged group would lose exactly the members a message
// could not reach). The unit counted is one member's period of a kind (the
// holdout's unit): a win-back's reminder and its follow-ups are one unit.
//
// The lift's interval is Newcombe's hybrid score interval (method 10 of
// Newcombe 1998): good coverage at the small groups a shop has, unlike the
// textbook Wald interval, and no iteration. Below `min_group_size` members in
// either group the report says "not enough data yet" and gives no interval.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/effect_config.h"
#include "core/job.h"

namespace huitou {

// One message planned for a member: messaged or held out.
struct Touch {
    std::string job_id;  // "<kind>:<member>:<YYYY-MM-DD>[:detail]"
    std::string member_id;
    Kind kind = Kind::birthday;
    Date occasion;       // the job's occasion date (card expiry: the card's last day)
    std::string period;  // holdout_period(kind, occasion, detail): the unit counted
    bool held = false;   // held out: never sent
    Channel channel = Channel::sms;
    int sms_parts = 0;                  // parts of the SMS text (0 on WeChat)
    SysSeconds planned_at{};            // the job's due time
    std::optional<SysSeconds> sent_at;  // when the provider took it, if it did
};

// A member's visit as the report sees it.
struct VisitPoint {
    SysSeconds at{};
    std::optional<long long> amount_cents;
};

// The instant a touch starts counting: sent_at when sent, else planned_at (a
// held-out member's "would have been sent", and a messaged job that never
// went: intent to treat).
SysSeconds touch_start(const Touch& t);

// The end of its window, inclusive: start + window_days[kind] days (0 when
// the config has no window for the kind: an empty window); card expiry: the
// last second of the local day occasion + card_expiry_grace_days in `zone`.
// May lie before the start (a card reminder sent after the grace ended).
SysSeconds touch_end(const Touch& t, const EffectConfig& config, const date::time_zone* zone);

// A visit credited to touches[touch].
struct Credit {
    std::size_t touch = 0;
    SysSeconds visit_at{};
    std::optional<long long> amount_cents;

    friend bool operator==(const Credit&, const Credit&) = default;
};

// One member's touches (any kinds, any order) and visits: each visit goes to
// the latest-starting touch whose window (start, end] contains it — strictly
// after the start, so a visit the hour before a message went out is not its
// effect — and to at most one touch. Equal starts: the later index wins.
// Credits come in the order of `visits`; visits no window holds have none.
std::vector<Credit> attribute(const std::vector<Touch>& touches,
                              const std::vector<VisitPoint>& visits, const EffectConfig& config,
                              const date::time_zone* zone);

// A two-sided interval for a proportion or a difference of proportions.
struct Interval {
    double low = 0;
    double high = 0;
};

// Wilson's score interval for successes / n (no continuity correction);
// n == 0 gives [0, 1]. z = 1.96 (the normal's 97.5 % quantile): 95 %.
Interval wilson_interval(long long successes, long long n, double z = 1.959963984540054);

// Newcombe (1998) method 10, the hybrid score interval for p1 − p2 from
// the two Wilson intervals: x1/n1 − x2/n2, within [−1, 1]. Newcombe RG.
// Statistics in Medicine 1998;17:873–890. Both n must be > 0.
Interval newcombe_difference(long long x1, long long n1, long long x2, long long n2,
                             double z = 1.959963984540054);

// One group of a kind: its units (one member's period of the kind, called
// members), how many came back, what the credited visits spent, the touches
// the provider took and their SMS parts.
struct GroupOutcome {
    long long members = 0;
    long long came_back = 0;
    long long amount_cents = 0;
    long long sent = 0;
    long long sms_parts = 0;

    friend bool operator==(const GroupOutcome&, const GroupOutcome&) = default;
};

struct KindEffect {
    Kind kind = Kind::birthday;
    GroupOutcome messaged;
    GroupOutcome held;
    bool enough = false;                  // both groups ≥ min_group_size
    std::optional<double> messaged_rate;  // came_back / members, when members > 0
    std::optional<double> held_rate;
    std::optional<double> lift;                 // messaged_rate − held_rate, when both exist
    std::optional<Interval> lift_interval;      // 95 %, when enough
    double cost_yuan = 0;                       // messaged SMS parts sent × price per part
    std::optional<double> extra_members;        // lift × messaged.members, when enough
    std::optional<double> cost_per_extra_yuan;  // cost / extra members, when enough and lift > 0
    std::string verdict;                        // effect_verdict: one sentence for the owner
};

struct EffectReport {
    Date from;
    Date to;
    int min_group_size = 0;
    double sms_part_price = 0;
    std::vector<KindEffect> kinds;  // in Kind order, only kinds with touches in [from, to]
};

// The report for a store. `touches`: all touches of the store read (the
// report's range and a window beyond it, so that a later touch can take a
// visit); `visits`: member id → visits. Counts only touches whose planned
// local date (in `zone`) lies in [from, to]. The unit counted is one member's
// period of a kind (member_id + kind + period), made of its touches in the
// range: came back if any visit was credited to any of them; amount = the
// sum of credited amounts; held if all of them are held (a unit with one
// message sent is messaged: it never happens, a period keeps its group).
EffectReport summarize(const std::vector<Touch>& touches,
                       const std::map<std::string, std::vector<VisitPoint>>& visits,
                       const Date& from, const Date& to, const EffectConfig& config,
                       const date::time_zone* zone);

// One plain-Chinese sentence on a kind for a shop owner: no held-out group,
// not enough data yet, more came back (per 100 members, with the interval),
// fewer came back, or no visible effect (the interval contains 0).
std::string effect_verdict(const KindEffect& k, int min_group_size);

// The report as CSV, a header row then one row per kind: counts, rates as
// decimals (4 places), money in yuan ("128.50"), empty cells for what is
// not known; a cell holding a comma, quote or newline is quoted (RFC 4180).
// UTF-8 with no byte-order mark, lines end in "\n": the shell adds a BOM if a
// spreadsheet program needs one to read the Chinese verdict.
std::string effect_csv(const EffectReport& report);

// Yuan as the report prints them: 26.85 → "26.85" (rounded to the fen).
std::string format_yuan(double amount);

// The report as JSON for --json and the HTTP endpoint: dates "YYYY-MM-DD",
// money in yuan strings and cents, rates as numbers, null when not known.
nlohmann::json to_json(const EffectReport& report);

}  // namespace huitou
