#include "core/visit_words.h"

#include <cmath>

#include "core/visit_cycle.h"

namespace huitou {

VisitWords visit_words(const std::optional<VisitState>& state, const Date& today,
                       const WinbackConfig& config) {
    VisitWords out;
    if (!state) {
        out.line = "还没有到店记录";
        return out;
    }
    out.learned = learned_cycle(state->visit_days(), config).has_value();
    const long cycle = std::max(1L, std::lround(state->cycle));
    const int since = day_number(today) - day_number(state->last_date);
    std::string line =
        (out.learned ? "大约每" : "按门店默认，大约每") + std::to_string(cycle) + "天来一次，";
    if (since <= 0)
        line += "今天来过";
    else if (since == 1)
        line += "上次是昨天";
    else
        line += "上次" + std::to_string(since) + "天前";
    switch (state->state) {
        case WinbackState::active:
        case WinbackState::returned:
            out.overdue = state->lapse_day && day_number(today) >= *state->lapse_day;
            if (out.overdue)
                line += "，已逾期";
            else if (state->state == WinbackState::returned)
                line += "，收到提醒后回来了";
            else
                line += "，未逾期";
            break;
        case WinbackState::lapsed:
            out.overdue = true;
            line += "，已逾期";
            break;
        case WinbackState::reminded:
            out.overdue = true;
            line += "，已逾期，已发过提醒";
            break;
        case WinbackState::churned:
            out.overdue = true;
            line += "，很久没来了，不再提醒";
            break;
    }
    out.line = std::move(line);
    return out;
}

}  // namespace huitou
