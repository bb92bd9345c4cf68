// member_archive.h — a member's archive as the staff at the counter read it:
// 王女士, 农历八月十五（1990年）, next kept on 2027年9月15日, 37岁, the
// children, the card and its expiry, the points and when they lapse.
//
// The facts are the member's (core/member.h) and the calendar's
// (core/birthday.h, core/lunar_calendar.h, core/honorific.h); here they are
// only put into Chinese words for a page, so the console never decides a
// birthday or an age differently from the planner. Pure: today (the store's
// local date) is an argument.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/birthday.h"
#include "core/civil_time.h"
#include "core/member.h"

namespace huitou {

// "2027年9月15日".
std::string date_words(const Date& d);

// A birthday as written: "1990年9月15日", "9月15日（年份未知）",
// "农历1990年八月十五", "农历闰四月初十（年份未知）".
std::string birthday_words(const Birthday& b);

struct BirthdayView {
    std::string written;  // birthday_words
    bool lunar = false;
    std::optional<Date> next;         // the next day it is kept (solar), from today on
    std::optional<int> days_to_next;  // 0 = today
    std::optional<int> age;           // completed years today, when the year is known
};

BirthdayView birthday_view(const Birthday& b, const Date& today);

struct ChildView {
    std::string name;
    std::string gender;  // 男孩 / 女孩 / ""
    std::optional<BirthdayView> birthday;
};

struct MemberArchive {
    std::string name;       // as stored ("" → 未填写 in the page)
    std::string honorific;  // 王女士, or "" when there is no safe one
    std::string gender;     // 女 / 男 / ""
    std::optional<BirthdayView> birthday;
    std::vector<ChildView> children;
    std::string tier;
    std::optional<Date> card_expires;
    std::optional<int> card_days_left;  // negative: lapsed that many days ago
    long long points = 0;               // 0: none
    std::optional<Date> points_expire;
    std::optional<int> points_days_left;  // negative: lapsed that many days ago
    std::vector<std::string> tags;        // what she likes (core/member_tags.h)
};

MemberArchive member_archive(const Member& m, const Date& today);

}  // namespace huitou
