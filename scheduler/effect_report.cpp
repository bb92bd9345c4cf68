#include "scheduler/effect_report.h"

#include <algorithm>
#include <map>
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

namespace {

// What a report over [from, to] reads: the touches of those days and of the
// longest window after them, and the kept visits of every member they name.
struct ReportInputs {
    std::vector<Touch> touches;
    std::map<std::string, std::vector<VisitPoint>> visits;
};

ReportInputs read_inputs(RedisConnection& redis, const StoreConfig& store, const Date& from,
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
    ReportInputs in;
    in.touches = effects.touches(store.id, begin, end, store.zone);
    std::set<std::string> members;
    for (const auto& t : in.touches)
        members.insert(t.member_id);
    in.visits = effects.visits(store.id, {members.begin(), members.end()});
    return in;
}

}  // namespace

EffectReport effect_report(RedisConnection& redis, const StoreConfig& store, const Date& from,
                           const Date& to) {
    const auto in = read_inputs(redis, store, from, to);
    return summarize(in.touches, in.visits, from, to, store.effect, store.zone);
}

std::vector<std::pair<Date, Date>> report_months(const Date& from, const Date& to) {
    std::vector<std::pair<Date, Date>> out;
    for (Date first = from; date::sys_days{first} <= date::sys_days{to};) {
        const Date month_end = first.year() / first.month() / date::last;
        const Date last = date::sys_days{month_end} < date::sys_days{to} ? month_end : to;
        out.emplace_back(first, last);
        first = Date{date::sys_days{last} + date::days{1}};
    }
    return out;
}

std::vector<EffectReport> effect_report_by_month(RedisConnection& redis, const StoreConfig& store,
                                                 const Date& from, const Date& to) {
    // One read for the whole range: a later month's message may take a visit
    // from an earlier month's (last touch), so each month sees them all.
    const auto in = read_inputs(redis, store, from, to);
    std::vector<EffectReport> out;
    for (const auto& [first, last] : report_months(from, to))
        out.push_back(summarize(in.touches, in.visits, first, last, store.effect, store.zone));
    return out;
}

std::string effect_csv_by_month(const std::vector<EffectReport>& months) {
    std::string csv;
    for (const auto& m : months) {
        const auto rows = effect_csv(m);
        csv += csv.empty() ? rows : rows.substr(rows.find('\n') + 1);
    }
    return csv;
}

nlohmann::json effect_json_by_month(const std::vector<EffectReport>& months,
                                    const StoreConfig& store, const Date& from, const Date& to) {
    auto periods = nlohmann::json::array();
    for (const auto& m : months)
        periods.push_back(to_json(m));
    return {{"store", store.id},
            {"store_name", store.name},
            {"from", format_date(from)},
            {"to", format_date(to)},
            {"by", "month"},
            {"periods", std::move(periods)}};
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
