#include "core/welcome.h"

#include "core/send_window.h"

namespace huitou {
namespace {

Date plus_days(const Date& d, int days) {
    return Date{date::sys_days{d} + date::days{days}};
}

}  // namespace

bool welcomes(const ConsentEvent& e) {
    return e.opt_in && !e.shop_record && !e.member.empty() &&
           (e.source == ConsentSource::counter || e.source == ConsentSource::api);
}

std::optional<WelcomePlan> plan_welcome(const StoreConfig& store, std::string_view member,
                                        Channel channel, SysSeconds at) {
    if (!store.welcome) return std::nullopt;
    const Date today = local_date(at, store.zone);
    const Date tomorrow = plus_days(today, 1);
    const auto& windows = store.policy.windows_for(channel);
    // Today's openings after `at`, then tomorrow's.
    auto open = open_intervals(windows, today, store.zone);
    for (const auto& i : open_intervals(windows, tomorrow, store.zone))
        open.push_back(i);
    const auto due = next_open(open, at);
    if (!due) return std::nullopt;
    WelcomePlan plan;
    plan.job_id = make_job_id(Kind::welcome, member, today, to_string(channel));
    plan.day = today;
    plan.due_at = *due;
    plan.expires_at = start_of_day(plus_days(tomorrow, 1), store.zone);
    return plan;
}

std::string welcomed_field(std::string_view member, Channel channel) {
    return std::string(member) + "|" + std::string(to_string(channel));
}

Occasion welcome_occasion(const Date& day, Channel channel) {
    Occasion o;
    o.kind = Kind::welcome;
    o.date = day;
    o.detail = std::string(to_string(channel));
    o.priority = occasion_priority(Kind::welcome);
    o.marketing = true;
    o.template_name = std::string(to_string(Kind::welcome));
    return o;
}

}  // namespace huitou
