#include "core/occasion.h"

#include <algorithm>

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
        case Kind::winback:
            return 5;
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
    if (!store.card_expiry_days.empty()) {
        // Cards expiring today up to the furthest step: any may have a step due.
        for (int left = 0; left <= store.card_expiry_days.front(); ++left)
            pd.index_sets.push_back(expiry_index_key(plus_days(day, left)));
    }
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
        o.marketing = kind != Kind::card_expiry;
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

    if (m.card_expires && !store.card_expiry_days.empty()) {
        const int left = days_between(day, *m.card_expires);
        // Steps are descending: the smallest step ≥ left is the last one that is.
        const auto& steps = store.card_expiry_days;
        const auto step =
            std::find_if(steps.rbegin(), steps.rend(), [&](int s) { return s >= left; });
        if (left >= 0 && step != steps.rend()) {
            auto o = make(Kind::card_expiry, *m.card_expires, std::to_string(*step));
            o.values["card_expires"] = format_chinese_date(*m.card_expires);
            o.values["days_left"] = std::to_string(left);
            out.push_back(std::move(o));
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Occasion& a, const Occasion& b) { return a.priority < b.priority; });
    return out;
}

}  // namespace huitou
