#include "core/winback.h"

#include <algorithm>
#include <array>

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

// Reminder `step` (1-based) is due today for `m`; unreachable when no member.
WinbackStep message_step(const VisitState& v, const Member* m, const Date& today, int step,
                         const StoreConfig& store) {
    WinbackStep out;
    out.action = WinbackAction::remind;
    out.state = WinbackState::reminded;
    out.step = step;
    out.day = day_after_step(step, day_number(today), store.winback);
    out.occasion = winback_occasion(v, step);
    if (!m) {
        Verdict none;
        none.kind = Kind::winback;
        none.reason = "no_member";
        return settle_winback(std::move(out), none, today, store);
    }
    return out;
}

}  // namespace

std::string_view to_string(WinbackAction a) {
    return action_names[static_cast<std::size_t>(a)];
}

std::string winback_job_id(std::string_view member_id, const Date& last_visit, int step) {
    return make_job_id(Kind::winback, member_id, last_visit, std::to_string(step));
}

Occasion winback_occasion(const VisitState& v, int step) {
    Occasion o;
    o.kind = Kind::winback;
    o.date = v.last_date;
    o.detail = std::to_string(step);
    o.priority = occasion_priority(Kind::winback);
    o.marketing = true;
    o.template_name = std::string(to_string(Kind::winback));
    if (step > 1) o.values["followup"] = "1";
    o.values["step"] = std::to_string(step);
    return o;
}

bool is_held_back(std::string_view reason) {
    return reason == "cooldown" || reason == "capped" || reason == "quiet_hours";
}

WinbackStep settle_winback(WinbackStep due, const Verdict& verdict, const Date& today,
                           const StoreConfig& store) {
    due.occasion.reset();
    if (verdict.job) {
        due.job = verdict.job;
        return due;
    }
    WinbackStep out;
    out.reason = verdict.reason;
    if (is_held_back(verdict.reason)) {
        out.action = WinbackAction::wait;
        return out;
    }
    const int d = day_number(today);
    const auto& w = store.winback;
    if (due.step == 1) {
        out.action = WinbackAction::park;
        out.state = WinbackState::lapsed;
        out.step = 0;
        out.day = d + w.recheck_days;
    } else {
        out.action = WinbackAction::skip;
        out.state = WinbackState::reminded;
        out.step = due.step;
        out.day = day_after_step(due.step, d, w);
    }
    return out;
}

WinbackStep plan_winback(const VisitState& v, const Member* m, const Date& today,
                         const StoreConfig& store) {
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
            return message_step(v, m, today, v.step + 1, store);
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
    return message_step(v, m, today, 1, store);
}

}  // namespace huitou
