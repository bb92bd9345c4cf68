#include "scheduler/effect_report.h"

#include <algorithm>
#include <set>

#include "io/effect_store.h"

namespace huitou {

std::string check_report_range(const Date& from, const Date& to) {
    if (date::sys_days{to} < date::sys_days{from})
        return "to: " + format_date(to) + " is before from " + format_date(from);
    if ((date::sys_days{to} - date::sys_days{from}).count() >= kMaxReportDays)
        return "from, to: at most " + std::to_string(kMaxReportDays) + " days in one report";
    return {};
}

EffectReport effect_report(RedisConnection& redis, const StoreConfig& store, const Date& from,
                           const Date& to) {
    // The longest a touch's window runs past its planned day: the longest
    // window, or a card reminder planned before the card's end plus grace.
    int reach = store.effect.card_expiry_grace_days +
                (store.card_expiry_days.empty() ? 0 : store.card_expiry_days.front());
    for (const auto& [kind, days] : store.effect.window_days)
        reach = std::max(reach, days);
    const SysSeconds begin = start_of_day(from, store.zone);
    const SysSeconds end =
        start_of_day(Date{date::sys_days{to} + date::days{reach + 2}}, store.zone);
    EffectStore effects(redis);
    const auto touches = effects.touches(store.id, begin, end);
    std::set<std::string> members;
    for (const auto& t : touches)
        members.insert(t.member_id);
    const auto visits = effects.visits(store.id, {members.begin(), members.end()});
    return summarize(touches, visits, from, to, store.effect, store.zone);
}

nlohmann::json effect_json(const EffectReport& report, const StoreConfig& store, const Date& from,
                           const Date& to) {
    auto j = to_json(report);
    j["store"] = store.id;
    j["store_name"] = store.name;
    j["from"] = format_date(from);
    j["to"] = format_date(to);
    return j;
}

}  // namespace huitou
