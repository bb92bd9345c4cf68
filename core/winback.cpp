#include "core/winback.h"

#include <algorithm>
#include <array>

#include "core/planner.h"
#include "core/visit_cycle.h"

namespace huitou {
namespace {

constexpr std::array<std::string_view, 6> action_names{"wait", "reschedule", "remind",
                                                       "skip", "park",       "churn"};

// The day the step after `step` (1-based) is due, or churn is decided.
int day_after_step(int step, int today, const WinbackConfig& w) {
    const auto followups = static_cast<int>(w.followup_days.size());
    return step <= followups ? today + w.followup_days[static_cast<std::size_t>(step - 1)]
                             : today + w.churn_days;
}

WinbackStep message_step(const VisitState& v, const Member* m, bool busy, const Date& today,
                         int step, const StoreConfig& store, const TemplateSet& templates,
                         SysSeconds now) {
    const int d = day_number(today);
    const auto& w = store.winback;
    WinbackStep out;
    // Unreachable: a first reminder parks the member, a follow-up is skipped.
    auto unreachable = [&](std::string reason) {
        out.reason = std::move(reason);
        if (step == 1) {
            out.action = WinbackAction::park;
            out.state = WinbackState::lapsed;
            out.step = 0;
            out.day = d + w.recheck_days;
        } else {
            out.action = WinbackAction::skip;
            out.state = WinbackState::reminded;
            out.step = step;
            out.day = day_after_step(step, d, w);
        }
        return out;
    };
    if (!m) return unreachable("no_member");
    const auto choice = choose_channel(*m, store);
    if (!choice.channel) return unreachable(choice.reason);
    auto values = member_values(*m, store);
    if (step > 1) values["followup"] = "1";
    const auto text = templates.render(store.id, Kind::winback, *choice.channel, values);
    if (!text) return unreachable("no_template");
    if (busy) {
        out.action = WinbackAction::wait;
        out.reason = "busy";
        return out;
    }
    Job job;
    job.store = store.id;
    job.id = winback_job_id(m->id, v.last_date, step);
    job.kind = Kind::winback;
    job.member_id = m->id;
    job.occasion_date = v.last_date;
    job.channel = *choice.channel;
    job.to = *choice.channel == Channel::sms ? m->phone : m->wechat_openid;
    job.text = *text;
    for (const auto& [key, value] : values) {
        if (!value.empty()) job.params.emplace(key, value);
    }
    job.params["step"] = std::to_string(step);
    job.expires_at = start_of_day(Date{date::sys_days{today} + date::days{1}}, store.zone);
    job.due_at = std::max(local_instant(today, store.send_time, store.zone), now);
    job.created_at = now;
    out.action = WinbackAction::remind;
    out.state = WinbackState::reminded;
    out.step = step;
    out.day = day_after_step(step, d, w);
    out.job = std::move(job);
    return out;
}

}  // namespace

std::string_view to_string(WinbackAction a) {
    return action_names[static_cast<std::size_t>(a)];
}

std::string winback_job_id(std::string_view member_id, const Date& last_visit, int step) {
    return make_job_id(Kind::winback, member_id, last_visit, std::to_string(step));
}

std::vector<std::string> cooldown_job_ids(std::string_view member_id, const Date& today) {
    const Date yesterday{date::sys_days{today} - date::days{1}};
    return {make_job_id(Kind::birthday, member_id, today),
            make_job_id(Kind::birthday, member_id, yesterday),
            make_job_id(Kind::card_expiry, member_id, today),
            make_job_id(Kind::card_expiry, member_id, yesterday)};
}

bool may_reach_member(JobState s) {
    return s == JobState::planned || s == JobState::dispatched || s == JobState::sent ||
           s == JobState::delivered || s == JobState::unknown;
}

WinbackStep plan_winback(const VisitState& v, const Member* m, bool busy, const Date& today,
                         const StoreConfig& store, const TemplateSet& templates, SysSeconds now) {
    const auto& w = store.winback;
    const int d = day_number(today);
    WinbackStep out;
    out.state = v.state;
    out.step = v.step;
    switch (v.state) {
        case WinbackState::churned:
            return out;
        case WinbackState::reminded:
            if (v.next_day && *v.next_day > d) {
                out.action = WinbackAction::reschedule;
                out.day = *v.next_day;
                return out;
            }
            if (v.step >= w.max_messages()) {
                out.action = WinbackAction::churn;
                out.state = WinbackState::churned;
                out.day = d;
                return out;
            }
            return message_step(v, m, busy, today, v.step + 1, store, templates, now);
        case WinbackState::active:
        case WinbackState::returned:
        case WinbackState::lapsed:
            break;
    }
    const int last = day_number(v.last_date);
    const int lapse = lapse_day(last, visit_cycle(v.visit_days(), m ? m->tier : "", w), w);
    if (lapse > d) {
        out.action = WinbackAction::reschedule;
        out.state = v.state == WinbackState::lapsed ? WinbackState::active : v.state;
        out.day = lapse;
        return out;
    }
    if (v.state == WinbackState::lapsed && v.next_day && *v.next_day > d) {
        out.action = WinbackAction::reschedule;
        out.day = *v.next_day;
        return out;
    }
    if (d - last > w.max_absence_days) {
        out.action = WinbackAction::churn;
        out.state = WinbackState::churned;
        out.step = 0;
        out.day = d;
        out.reason = "absent_too_long";
        return out;
    }
    return message_step(v, m, busy, today, 1, store, templates, now);
}

}  // namespace huitou
