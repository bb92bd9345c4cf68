#include "core/member_archive.h"

#include "core/honorific.h"
#include "core/visit_cycle.h"

namespace huitou {
namespace {

const char* const kMonths[] = {"正", "二", "三", "四", "五", "六",
                               "七", "八", "九", "十", "冬", "腊"};
const char* const kDigits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

// 初一 .. 初十, 十一 .. 十九, 二十, 廿一 .. 廿九, 三十.
std::string lunar_day_words(unsigned day) {
    if (day <= 10) return std::string("初") + kDigits[day];
    if (day < 20) return std::string("十") + kDigits[day - 10];
    if (day == 20) return "二十";
    if (day < 30) return std::string("廿") + kDigits[day - 20];
    return "三十";
}

}  // namespace

std::string date_words(const Date& d) {
    return std::to_string(static_cast<int>(d.year())) + "年" +
           std::to_string(static_cast<unsigned>(d.month())) + "月" +
           std::to_string(static_cast<unsigned>(d.day())) + "日";
}

std::string birthday_words(const Birthday& b) {
    std::string out;
    if (b.lunar) {
        out = "农历";
        if (b.year) out += std::to_string(*b.year) + "年";
        if (b.leap) out += "闰";
        out += std::string(kMonths[(b.month - 1) % 12]) + "月" + lunar_day_words(b.day);
    } else {
        if (b.year) out = std::to_string(*b.year) + "年";
        out += std::to_string(b.month) + "月" + std::to_string(b.day) + "日";
    }
    if (!b.year) out += "（年份未知）";
    return out;
}

BirthdayView birthday_view(const Birthday& b, const Date& today) {
    BirthdayView v;
    v.written = birthday_words(b);
    v.lunar = b.lunar;
    v.next = next_kept(b, today);
    if (v.next) v.days_to_next = day_number(*v.next) - day_number(today);
    v.age = age_on(b, today);
    return v;
}

MemberArchive member_archive(const Member& m, const Date& today) {
    MemberArchive a;
    a.name = m.name;
    a.honorific = honorific(m.name, m.gender);
    if (a.honorific == m.name) a.honorific.clear();  // no title: the name says it all
    a.gender = m.gender == Gender::female ? "女" : m.gender == Gender::male ? "男" : "";
    if (m.birthday) a.birthday = birthday_view(*m.birthday, today);
    for (const auto& c : m.children) {
        ChildView v;
        v.name = c.name;
        v.gender = c.gender == Gender::female ? "女孩" : c.gender == Gender::male ? "男孩" : "";
        if (c.birthday) v.birthday = birthday_view(*c.birthday, today);
        a.children.push_back(std::move(v));
    }
    a.tier = m.tier;
    a.card_expires = m.card_expires;
    if (m.card_expires) a.card_days_left = day_number(*m.card_expires) - day_number(today);
    a.points = m.points;
    a.tags = m.tags;
    a.points_expire = m.points_expire;
    if (m.points_expire) a.points_days_left = day_number(*m.points_expire) - day_number(today);
    return a;
}

}  // namespace huitou
