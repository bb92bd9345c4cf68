#include "core/care_config.h"

#include <algorithm>

#include "core/contact_history.h"
#include "core/toml_walker.h"

namespace huitou::config_detail {

void read_care(Table& t, CareConfig& c) {
    if (auto v = t.get<bool>("enabled", "true or false")) c.enabled = *v;
    if (t.raw().contains("segments")) {
        c.segments.clear();
        for (const auto& name : string_list(t, "segments", {})) {
            const auto s = parse_segment(name);
            if (!s)
                t.fail("segments", "unknown segment \"" + name + "\" (重要价值, 重要挽留, ...)");
            if (std::find(c.segments.begin(), c.segments.end(), *s) == c.segments.end())
                c.segments.push_back(*s);
        }
        if (c.segments.empty()) t.fail("segments", "name at least one segment");
    }
    c.calls_per_year = integer_in(t, "calls_per_year", 1, 12, c.calls_per_year);
    // The contact history goes back kContactHistoryDays; spacing past it
    // could not be checked against messages.
    c.quiet_days = integer_in(t, "quiet_days", 0, kContactHistoryDays - 1, c.quiet_days);
    if (t.raw().contains("hours")) {
        const auto* a = t.array("hours");
        c.hours.clear();
        for (const auto& node : *a) {
            const auto text = node.value<std::string>();
            if (!text) t.fail("hours", "expected hours as strings, \"10:00-11:30\"");
            std::string why;
            const auto w = parse_time_window(*text, &why);
            if (!w) t.fail("hours", why);
            if (w->begin < std::chrono::hours(8) || w->end > std::chrono::hours(21))
                t.fail("hours", format_time_window(*w) +
                                    ": calls are between 08:00 and 21:00, never at night");
            c.hours.push_back(*w);
        }
        std::sort(c.hours.begin(), c.hours.end(),
                  [](const TimeWindow& a, const TimeWindow& b) { return a.begin < b.begin; });
        for (std::size_t i = 1; i < c.hours.size(); ++i) {
            if (c.hours[i].begin < c.hours[i - 1].end)
                t.fail("hours", format_time_window(c.hours[i - 1]) + " and " +
                                    format_time_window(c.hours[i]) + " overlap");
        }
        if (c.hours.empty()) t.fail("hours", "name at least one span of hours");
    }
    c.daily_limit = integer_in(t, "daily_limit", 1, 1000, c.daily_limit);
    if (const auto* a = t.array("weekdays")) {
        c.weekdays.clear();
        for (const auto& node : *a) {
            const auto d = static_cast<int>(checked_integer(t, "weekdays", node, 1, 7));
            if (std::find(c.weekdays.begin(), c.weekdays.end(), d) == c.weekdays.end())
                c.weekdays.push_back(d);
        }
        std::sort(c.weekdays.begin(), c.weekdays.end());
        if (c.weekdays.empty()) t.fail("weekdays", "name at least one day (1 Monday … 7 Sunday)");
    }
    if (auto v = t.string("robot_url")) {
        if (!v->starts_with("https://") && !v->starts_with("http://"))
            t.fail("robot_url", "expected an http(s) URL without the key");
        if (v->find("key=") != std::string::npos)
            t.fail("robot_url", "the key is a secret: give it as robot_key_file or robot_key_env");
        c.robot_url = *v;
    }
    if (const auto ref = secret(t, "robot_key"); !ref.empty()) c.robot_key = ref;
    if (auto v = t.get<bool>("robot_full_phone", "true or false")) c.robot_full_phone = *v;
    t.reject_unknown();
}

}  // namespace huitou::config_detail
