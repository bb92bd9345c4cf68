#include "core/occasion.h"

#include <algorithm>
#include <optional>

#include "core/member_write.h"

namespace huitou {
namespace {

Date plus_days(const Date& d, int days) {
    return Date{date::sys_days{d} + date::days{days}};
}

int days_between(const Date& from, const Date& to) {
    return static_cast<int>((date::sys_days{to} - date::sys_days{from}).count());
}

void add_days_until(Occasion& o, const Date& day) {
    if (const int n = days_between(day, o.date); n > 0) o.values["days_until"] = std::to_string(n);
}

// The step of a reminder `left` days before its date: the smallest of the
// (descending) `steps` that is ≥ left, or nullopt (the date passed, or it is
// further off than the first step). The step is part of the job's key, so
// every day of a step's span names the same job: one catch-up for a member
// imported late, the later steps on their own days.
std::optional<int> reminder_step(const std::vector<int>& steps, int left) {
    if (left < 0) return std::nullopt;
    const auto step = std::find_if(steps.rbegin(), steps.rend(), [&](int s) { return s >= left; });
    if (step == steps.rend()) return std::nullopt;
    return *step;
}

// The index keys (`key` of a date) from `day` to the furthest step: any
// of them may have a step due.
void add_reminder_sets(std::vector<std::string>& sets, const std::vector<int>& steps,
                       const Date& day, std::string (*key)(const Date&)) {
    if (steps.empty()) return;
    for (int left = 0; left <= steps.front(); ++left)
        sets.push_back(key(plus_days(day, left)));
}

}  // namespace

int occasion_priority(Kind kind) {
    switch (kind) {
        case Kind::birthday:
            return 1;
        case Kind::child_birthday:
            return 2;
        case Kind::festival:
            return 3;
        case Kind::card_expiry:
            return 4;
        case Kind::points:
            return 5;
        case Kind::announcement:
            return 6;
        case Kind::winback:
            return 7;
        case Kind::welcome:
            return 8;
    }
    return 9;
}

std::string format_chinese_date(const Date& d) {
    return std::to_string(static_cast<int>(d.year())) + "年" +
           std::to_string(static_cast<unsigned>(d.month())) + "月" +
           std::to_string(static_cast<unsigned>(d.day())) + "日";
}

PlanningDay planning_day(const Config& config, const StoreConfig& store, const Date& day) {
    PlanningDay pd;
    pd.day = day;
    const auto& lead = store.lead_days;
    for (auto& key : birthday_index_keys_on(plus_days(day, lead.birthday)))
        pd.index_sets.push_back(std::move(key));
    for (const auto& key : birthday_index_keys_on(plus_days(day, lead.child_birthday)))
        pd.index_sets.push_back(child_index_key(key));
    add_reminder_sets(pd.index_sets, store.card_expiry_days, day, expiry_index_key);
    add_reminder_sets(pd.index_sets, store.points_reminder_days, day, points_index_key);
    const Date festival_day = plus_days(day, lead.festival);
    for (const Festival* f : festivals_on(config.festivals_of(store), festival_day))
        pd.festivals.push_back({f, festival_day});
    return pd;
}

std::vector<Occasion> occasions_for(const Member& m, const PlanningDay& pd,
                                    const StoreConfig& store) {
    std::vector<Occasion> out;
    const Date& day = pd.day;
    auto make = [&](Kind kind, const Date& date, std::string detail) {
        Occasion o;
        o.kind = kind;
        o.date = date;
        o.detail = std::move(detail);
        o.priority = occasion_priority(kind);
        o.marketing = !is_service_notice(kind);
        o.template_name = to_string(kind);
        return o;
    };

    const Date birthday = plus_days(day, store.lead_days.birthday);
    if (m.birthday && is_birthday_on(*m.birthday, birthday)) {
        auto o = make(Kind::birthday, birthday, {});
        if (const auto age = age_turned(*m.birthday, birthday))
            o.values["age"] = std::to_string(*age);
        add_days_until(o, day);
        out.push_back(std::move(o));
    }

    const Date child_day = plus_days(day, store.lead_days.child_birthday);
    for (const auto& child : m.children) {
        if (!child.birthday || !is_birthday_on(*child.birthday, child_day)) continue;
        auto o = make(Kind::child_birthday, child_day, child_key(child));
        o.values["child_name"] = child.name;
        if (const auto age = age_turned(*child.birthday, child_day)) {
            o.values["child_age"] = std::to_string(*age);
        }
        add_days_until(o, day);
        out.push_back(std::move(o));
    }

    for (const auto& [festival, date] : pd.festivals) {
        auto o = make(Kind::festival, date, festival->key);
        o.template_name = festival->template_name;
        o.audience = festival->audience;
        o.values["festival"] = festival->name;
        add_days_until(o, day);
        out.push_back(std::move(o));
    }

    if (m.card_expires) {
        const int left = days_between(day, *m.card_expires);
        if (const auto step = reminder_step(store.card_expiry_days, left)) {
            auto o = make(Kind::card_expiry, *m.card_expires, std::to_string(*step));
            o.values["card_expires"] = format_chinese_date(*m.card_expires);
            o.values["days_left"] = std::to_string(left);
            out.push_back(std::move(o));
        }
    }

    // Points lapse like a card: the same steps rule, and nothing to remind
    // of without points.
    if (m.points > 0 && m.points_expire) {
        const int left = days_between(day, *m.points_expire);
        if (const auto step = reminder_step(store.points_reminder_days, left)) {
            auto o = make(Kind::points, *m.points_expire, std::to_string(*step));
            o.values["points"] = std::to_string(m.points);
            o.values["points_expire"] = format_chinese_date(*m.points_expire);
            out.push_back(std::move(o));
        }
    }
    // An announcement is offered to every member with its audience, as a
    // festival is: one who does not match is told not_in_audience.
    for (const auto& a : pd.announcements) {
        auto o = make(Kind::announcement, a.date, a.id);
        o.template_name = announcement_template(a.template_name);
        o.audience = announcement_audience(a);
        std::vector<std::string> hers;
        for (const auto& t : a.tags) {
            if (std::find(m.tags.begin(), m.tags.end(), t) != m.tags.end()) hers.push_back(t);
        }
        o.values["tags"] = announcement_tag_words(hers.empty() ? a.tags : hers);
        out.push_back(std::move(o));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Occasion& a, const Occasion& b) { return a.priority < b.priority; });
    return out;
}

}  // namespace huitou
