#include "core/care_rule.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <tuple>
#include <utility>

#include "core/send_window.h"
#include "core/visit_cycle.h"

namespace huitou {

CarePeriod care_period(int day, int calls_per_year) {
    const int n = std::max(1, calls_per_year);
    const auto ymd = date::year_month_day{date::sys_days{date::days{day}}};
    const int jan1 = day_number(Date{ymd.year() / date::January / 1});
    const int length = day_number(Date{(ymd.year() + date::years{1}) / date::January / 1}) - jan1;
    const int offset = day - jan1;
    // Period i holds the days [i·length/n, (i+1)·length/n): nearly equal.
    int i = static_cast<int>((static_cast<long long>(offset) * n) / length);
    while (i > 0 && static_cast<long long>(i) * length / n > offset)
        --i;
    while (i + 1 < n && static_cast<long long>(i + 1) * length / n <= offset)
        ++i;
    return {i, jan1 + static_cast<int>(static_cast<long long>(i) * length / n),
            jan1 + static_cast<int>(static_cast<long long>(i + 1) * length / n) - 1};
}

int care_day(std::string_view member, const CarePeriod& period) {
    const int length = period.last_day - period.first_day + 1;
    const int span = std::max(1, length * 2 / 3);
    const std::string key = std::string(member) + "|care|" + std::to_string(period.first_day);
    return period.first_day + static_cast<int>(stable_hash(key) % static_cast<std::uint64_t>(span));
}

std::string_view to_string(CareVerdict v) {
    switch (v) {
        case CareVerdict::due:
            return "due";
        case CareVerdict::off:
            return "off";
        case CareVerdict::not_in_segments:
            return "not_in_segments";
        case CareVerdict::stopped:
            return "stopped";
        case CareVerdict::called:
            return "called";
        case CareVerdict::not_yet:
            return "not_yet";
        case CareVerdict::quiet:
            return "quiet";
        case CareVerdict::at_work:
            return "at_work";
    }
    return "?";
}

CareDecision care_due(const CareMember& m, int today, int iso_weekday, const CareConfig& config) {
    CareDecision d;
    d.period = care_period(today, config.calls_per_year);
    d.day_in_period = care_day(m.id, d.period);
    const auto& days = config.weekdays;
    if (!config.enabled || std::find(days.begin(), days.end(), iso_weekday) == days.end()) {
        d.verdict = CareVerdict::off;
        return d;
    }
    if (!m.segment || std::find(config.segments.begin(), config.segments.end(), *m.segment) ==
                          config.segments.end()) {
        d.verdict = CareVerdict::not_in_segments;
        return d;
    }
    if (m.stopped) {
        d.verdict = CareVerdict::stopped;
        return d;
    }
    for (const int c : m.care_days) {
        if (c >= d.period.first_day && c <= d.period.last_day) {
            d.verdict = CareVerdict::called;
            return d;
        }
    }
    if (today < d.day_in_period) {
        d.verdict = CareVerdict::not_yet;
        return d;
    }
    // Any contact — a message of any kind, or a care call — within
    // quiet_days before today, or today itself, holds her back.
    bool quiet = m.message_today;
    for (const auto& c : m.contacts)
        if (c.day <= today && today - c.day <= config.quiet_days) quiet = true;
    for (const int c : m.care_days)
        if (c <= today && today - c <= config.quiet_days) quiet = true;
    if (quiet) {
        d.verdict = CareVerdict::quiet;
        return d;
    }
    d.verdict = care_hours(config, m.work_hours, iso_weekday).empty() ? CareVerdict::at_work
                                                                      : CareVerdict::due;
    return d;
}

std::optional<std::vector<TimeWindow>> parse_work_hours(std::string_view text, std::string* error) {
    std::vector<TimeWindow> out;
    std::string normalized(text);
    for (const std::string_view sep : {"，", "、", ";", "；"}) {
        for (auto at = normalized.find(sep); at != std::string::npos; at = normalized.find(sep))
            normalized.replace(at, sep.size(), ",");
    }
    std::string_view rest = normalized;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ')
            part.remove_suffix(1);
        if (part.empty()) continue;
        // "9:00-18:00" as typed at a counter: an hour of one digit gets its 0.
        std::string padded;
        for (std::size_t i = 0; i < part.size(); ++i) {
            const bool digit = part[i] >= '0' && part[i] <= '9';
            const bool after_digit = i > 0 && part[i - 1] >= '0' && part[i - 1] <= '9';
            if (digit && !after_digit && i + 1 < part.size() && part[i + 1] == ':') padded += '0';
            padded += part[i];
        }
        std::string why;
        const auto w = parse_time_window(padded, &why);
        if (!w) {
            if (error) *error = why;
            return std::nullopt;
        }
        out.push_back(*w);
    }
    if (out.size() > 4) {
        if (error) *error = "more than 4 windows";
        return std::nullopt;
    }
    std::sort(out.begin(), out.end(),
              [](const TimeWindow& a, const TimeWindow& b) { return a.begin < b.begin; });
    std::vector<TimeWindow> merged;
    for (const auto& w : out) {
        if (!merged.empty() && w.begin <= merged.back().end)
            merged.back().end = std::max(merged.back().end, w.end);
        else
            merged.push_back(w);
    }
    return merged;
}

std::string format_work_hours(const std::vector<TimeWindow>& windows) {
    std::string out;
    auto hhmm = [](std::chrono::seconds s) {
        char text[8];
        std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(s.count() / 3600),
                      static_cast<int>(s.count() / 60 % 60));
        return std::string(text);
    };
    for (const auto& w : windows) {
        if (!out.empty()) out += ',';
        out += hhmm(w.begin) + "-" + hhmm(w.end);
    }
    return out;
}

std::vector<TimeWindow> care_hours(const CareConfig& config,
                                   const std::vector<TimeWindow>& work_hours, int iso_weekday) {
    if (work_hours.empty() || iso_weekday > 5) return config.hours;
    constexpr std::chrono::seconds kShortest{15 * 60};
    std::vector<TimeWindow> out;
    for (const auto& h : config.hours) {
        std::chrono::seconds from = h.begin;
        for (const auto& w : work_hours) {  // sorted, merged
            if (w.end <= from || w.begin >= h.end) continue;
            if (w.begin - from >= kShortest) out.push_back({from, w.begin});
            from = std::max(from, w.end);
        }
        if (h.end - from >= kShortest) out.push_back({from, h.end});
    }
    return out;
}

std::vector<CareCandidate> choose_care_list(std::vector<CareCandidate> due,
                                            const CareConfig& config) {
    auto rank = [&](ValueSegment s) {
        const auto it = std::find(config.segments.begin(), config.segments.end(), s);
        return static_cast<int>(it - config.segments.begin());
    };
    std::sort(due.begin(), due.end(), [&](const CareCandidate& a, const CareCandidate& b) {
        const auto key = [&](const CareCandidate& c) {
            return std::pair(rank(c.segment), c.decision.day_in_period);
        };
        if (key(a) != key(b)) return key(a) < key(b);
        return a.id < b.id;
    });
    if (due.size() > static_cast<std::size_t>(config.daily_limit))
        due.resize(static_cast<std::size_t>(config.daily_limit));
    return due;
}

std::vector<int> parse_care_days(std::string_view text) {
    std::vector<int> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto entry = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        int day = 0;
        const auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), day);
        if (ec == std::errc{} && end == entry.data() + entry.size() && !entry.empty())
            out.push_back(day);
    }
    return out;
}

std::string format_care_days(const std::vector<int>& days) {
    std::string out;
    for (const int d : days) {
        if (!out.empty()) out += ',';
        out += std::to_string(d);
    }
    return out;
}

std::vector<int> with_care_day(std::vector<int> days, int day) {
    std::erase_if(days, [day](int d) { return day - d > 400; });
    if (std::find(days.begin(), days.end(), day) == days.end()) days.push_back(day);
    std::sort(days.begin(), days.end());
    return days;
}

}  // namespace huitou
