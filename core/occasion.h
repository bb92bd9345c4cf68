// occasion.h — what a member is to be greeted or reminded for on a day.
//
// Planning a store's day is occasions → decision → job. This is the first
// step, pure: for the day being planned it says which index entries to read
// (planning_day), and for each member read, which occasions fall due that day
// (occasions_for): their own birthday, a child's birthday, a festival the
// store celebrates, a card about to expire, points about to lapse, an
// announcement of the day (its audience: the announcement's tags). Each occasion carries its kind,
// the date it is kept, a detail that makes its key stable (the child's key,
// the festival's key, the card-expiry step), a priority, whether it is
// marketing, the template it is written with and the values it adds.
// planner.h then decides each one into a job or a reason.
//
// Greetings with lead days are planned `lead` days before their date; the
// occasion's date stays the day itself. A card-expiry reminder on day D for a
// card expiring on E is due at the smallest configured step ≥ E − D, and the
// step is part of its key, so a member imported late gets one catch-up
// reminder, later steps still go on their day, and a lapsed card gets none.
// Points about to lapse (points > 0, points_expire) are reminded by the same
// rule with the store's points_reminder_days.
//
// The delivery policy (core/delivery_policy.h) takes a member's occasions
// of the day together: one message by priority, merges, caps, windows.
#pragma once

#include <string>
#include <vector>

#include "core/announcement.h"
#include "core/config.h"
#include "core/holidays.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"

namespace huitou {

struct Occasion {
    Kind kind = Kind::birthday;
    Date date;                       // the day it is kept: birthday, festival, card expiry
    std::string detail;              // child key, festival key or reminder step; may be empty
    int priority = 0;                // lower goes first (occasion_priority)
    bool marketing = true;           // a greeting; false for a service notice
    std::string template_name;       // "birthday", "festival.mid_autumn"
    std::vector<Audience> audience;  // who it is for (festivals); empty: everyone
    TemplateValues values;           // what the occasion adds to the member's values
};

// birthday 1, child_birthday 2, festival 3, card_expiry 4, points 5,
// announcement 6, winback 7.
int occasion_priority(Kind kind);

// The store's day as planning sees it.
struct PlanningDay {
    Date day;                             // the local day being planned
    std::vector<std::string> index_sets;  // member index sets whose members may be due
    std::vector<FestivalDay> festivals;   // the store's festivals planned today (their date:
                                          // today + festival lead days)
    // The store's announcements of the day (core/announcement.h), scheduled
    // ones only. They live in Redis, not the config: the day planner reads
    // them (io/announcement_store.h) and sets them here; planning_day leaves
    // this empty.
    std::vector<Announcement> announcements;

    // A festival or an announcement reaches members through no index: every
    // member is read (and her tags decide).
    bool reads_all_members() const { return !festivals.empty() || !announcements.empty(); }
};

// What planning `day` for `store` reads. Pointers into `config` must outlive it.
PlanningDay planning_day(const Config& config, const StoreConfig& store, const Date& day);

// The occasions of `m` planned on `pd.day`, in priority order.
std::vector<Occasion> occasions_for(const Member& m, const PlanningDay& pd,
                                    const StoreConfig& store);

// "2027年9月22日".
std::string format_chinese_date(const Date& d);

}  // namespace huitou
