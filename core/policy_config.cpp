#include "core/policy_config.h"

#include <algorithm>

#include "core/contact_history.h"
#include "core/toml_walker.h"

namespace huitou::config_detail {
namespace {

std::vector<TimeWindow> window_list(Table& t, std::string_view key) {
    const auto* a = t.array(key);
    std::vector<TimeWindow> out;
    for (const auto& node : *a) {
        const auto text = node.value<std::string>();
        if (!text) t.fail(key, "expected windows as strings, \"09:00-12:00\"");
        std::string why;
        const auto w = parse_time_window(*text, &why);
        if (!w) t.fail(key, why);
        out.push_back(*w);
    }
    std::sort(out.begin(), out.end(),
              [](const TimeWindow& a, const TimeWindow& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].begin < out[i - 1].end) {
            t.fail(key, "windows " + format_time_window(out[i - 1]) + " and " +
                            format_time_window(out[i]) + " overlap");
        }
    }
    return out;
}

}  // namespace

void read_policy(Table& t, PolicyConfig& p) {
    if (t.raw().contains("send_windows")) {
        p.windows = window_list(t, "send_windows");
        if (p.windows.empty()) t.fail("send_windows", "a store needs at least one window");
    }
    for (const auto& [key, slot] : {std::pair{"sms_windows", &p.sms_windows},
                                    std::pair{"wechat_windows", &p.wechat_windows}}) {
        if (t.raw().contains(key)) *slot = window_list(t, key);
    }
    p.spread = std::chrono::minutes(integer_in(t, "spread_minutes", 0, 1440, p.spread.count()));
    p.max_per_day = integer_in(t, "max_per_day", 1, 10, p.max_per_day);
    p.max_per_week = integer_in(t, "max_per_week", 1, 70, p.max_per_week);
    p.max_per_30_days = integer_in(t, "max_per_30_days", 1, 300, p.max_per_30_days);
    if (p.max_per_week < p.max_per_day) t.fail("max_per_week", "must be at least max_per_day");
    if (p.max_per_30_days < p.max_per_week)
        t.fail("max_per_30_days", "must be at least max_per_week");
    if (auto cooldowns = t.table("cooldown_days")) {
        p.cooldown_days.clear();
        for (const auto& [key, node] : cooldowns->raw()) {
            const std::string kind(key.str());
            const auto k = parse_kind(kind);
            if (!k) cooldowns->fail(kind, "unknown kind (known: " + kind_list() + ")");
            p.cooldown_days[*k] = integer_in(*cooldowns, kind, 0, kContactHistoryDays, 0);
        }
        cooldowns->reject_unknown();
    }
    if (auto v = t.get<bool>("caps_apply_to_notices", "true or false"))
        p.caps_apply_to_notices = *v;
    if (auto v = t.get<bool>("notices_need_optin", "true or false")) p.notices_need_optin = *v;
    t.reject_unknown();
}

}  // namespace huitou::config_detail
