// care_rule.h — who the staff call today: the care list's rule, pure.
//
// A store with care on gives each member of its chosen segments
// `calls_per_year` care calls a calendar year (a *care call*: the staff
// phoning a member — never "call" alone, which is a worker's provider call).
// The year is cut into that many periods of (nearly) equal days, and a
// member gets at most one care call marked done in each. Her day in a period
// is fixed by a hash of her id, the year and the period, within the period's
// first two thirds — so the calls spread over the year, two replicas agree,
// and the last third is left for the days she could not be reached, or not
// listed (the daily limit), or had to wait (the quiet days). A member who
// enters a segment late in the year simply has fewer periods left.
//
// She is due on a day when: care is on and the day is one of the store's
// weekdays; her segment is one of the chosen; she is not marked "don't call
// again"; no care call was marked done in the current period; her day in the
// period has come; and no message or care call reached her within
// `quiet_days` before (her contact history `ch`, which holds care calls too,
// letter 'k', and her care-call days `cc`). Today's own messages are the
// caller's to add (planned jobs are not in `ch` until dispatched).
//
// The day's list: the due members ranked — the configured segments' order
// (重要挽留 before 重要价值), then who has waited longest (the earliest day
// in the period), then id — cut at `daily_limit`; those left out stay due
// and come back on a later day of the period. One that is still not called
// when the period ends has missed it: the next period starts afresh.
//
// Her working hours (member field `wh`, "09:00-18:00", import column
// work_hours / 工作时间), when the store knows them, hold on working days
// (Monday to Friday): her calling hours that day are the store's hours
// without them (slices under 15 minutes dropped), and a working day with
// none left is not her day (`at_work`: she comes on a day with hours left —
// a weekend, when the store calls then — or the period passes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/care_config.h"
#include "core/contact_history.h"
#include "core/value_segment.h"

namespace huitou {

namespace field {
// When she is at work, Monday to Friday ("09:00-18:00"): the care list does
// not call her then; absent when not known. (Here, not in core/member.h:
// only the care list reads it, and the import and the API write it.)
inline constexpr std::string_view work_hours = "wh";
}  // namespace field

// One period of a year: days [first_day, last_day] (day numbers), the
// index-th of calls_per_year.
struct CarePeriod {
    int index = 0;
    int first_day = 0;
    int last_day = 0;

    friend bool operator==(const CarePeriod&, const CarePeriod&) = default;
};

// The period holding `day` when the year is cut into `calls_per_year` (≥ 1).
CarePeriod care_period(int day, int calls_per_year);

// The member's own day in `period` (same for every replica and replan).
int care_day(std::string_view member, const CarePeriod& period);

// What the rule reads of a member.
struct CareMember {
    std::string id;
    std::optional<ValueSegment> segment;
    std::vector<Contact> contacts;       // `ch`, care calls included
    std::vector<int> care_days;          // `cc`: days of care calls marked done
    bool stopped = false;                // `cn`: "don't call again"
    bool message_today = false;          // a message is planned for her today (the caller looks)
    std::vector<TimeWindow> work_hours;  // `wh`: when she is at work, Monday to Friday
};

enum class CareVerdict {
    due,
    off,  // care is off, or no list on this weekday
    not_in_segments,
    stopped,  // marked 不再致电
    called,   // a care call was marked done in this period
    not_yet,  // her day in the period has not come
    quiet,    // a message or care call within quiet_days (or a message today)
    at_work,  // a working day whose calling hours her working hours cover
};
std::string_view to_string(CareVerdict v);

struct CareDecision {
    CareVerdict verdict = CareVerdict::off;
    CarePeriod period;
    int day_in_period = 0;  // care_day
};

// Is `m` due for a care call on day `today` (weekday `iso_weekday`, 1–7)?
CareDecision care_due(const CareMember& m, int today, int iso_weekday, const CareConfig& config);

// A due member as the day's list ranks her.
struct CareCandidate {
    std::string id;
    ValueSegment segment = ValueSegment::important_value;
    CareDecision decision;
};

// Her working hours as typed: "09:00-18:00", several joined by ',' '，' ';'
// or '、' ("09:00-12:00,13:30-18:00"); empty text is none. Sorted and merged;
// nullopt (and `error` says why) when a part is not a window or there are
// more than 4. `format_work_hours` writes the stored form, "09:00-18:00,...".
std::optional<std::vector<TimeWindow>> parse_work_hours(std::string_view text,
                                                        std::string* error = nullptr);
std::string format_work_hours(const std::vector<TimeWindow>& windows);

// The hours to call her on a day of `iso_weekday`: the store's hours, less
// her working hours Monday to Friday, slices under 15 minutes dropped.
std::vector<TimeWindow> care_hours(const CareConfig& config,
                                   const std::vector<TimeWindow>& work_hours, int iso_weekday);

// The day's list: `due` ranked as the header says, at most daily_limit.
std::vector<CareCandidate> choose_care_list(std::vector<CareCandidate> due,
                                            const CareConfig& config);

// The `cc` field and back: "20711,20800". Tolerant: what does not parse is
// dropped. `with_care_day` adds `day` and drops days over 400 days old (a
// year's periods need only the current year).
std::vector<int> parse_care_days(std::string_view text);
std::string format_care_days(const std::vector<int>& days);
std::vector<int> with_care_day(std::vector<int> days, int day);

}  // namespace huitou
