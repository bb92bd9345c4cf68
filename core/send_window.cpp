#include "core/send_window.h"

#include <algorithm>
#include <cstdint>

#include "core/utf8.h"

namespace huitou {
namespace {

using std::chrono::seconds;

std::optional<seconds> read_time_of_day(std::string_view text) {
    if (text == "24:00") return std::chrono::hours(24);
    return parse_time_of_day(text);
}

void set_error(std::string* error, std::string message) {
    if (error) *error = std::move(message);
}

}  // namespace

std::optional<TimeWindow> parse_time_window(std::string_view text, std::string* error) {
    const std::string_view whole = trim(text);
    // "–" (en dash) and "~" are written as often as "-".
    std::size_t sep = whole.find("\xE2\x80\x93");
    std::size_t sep_len = 3;
    if (sep == std::string_view::npos) {
        sep = whole.find_first_of("-~");
        sep_len = 1;
    }
    if (sep == std::string_view::npos) {
        set_error(error, "expected a window \"HH:MM-HH:MM\", got \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    const auto begin = read_time_of_day(trim(whole.substr(0, sep)));
    const auto end = read_time_of_day(trim(whole.substr(sep + sep_len)));
    if (!begin || !end || *begin >= std::chrono::hours(24)) {
        set_error(error, "expected a window \"HH:MM-HH:MM\", got \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    if (*begin >= *end) {
        set_error(error, "window \"" + std::string(text) + "\" ends before it begins");
        return std::nullopt;
    }
    return TimeWindow{*begin, *end};
}

std::string format_time_window(const TimeWindow& w) {
    return format_time_of_day(w.begin) + "\xE2\x80\x93" + format_time_of_day(w.end);
}

std::string format_time_windows(const std::vector<TimeWindow>& windows) {
    std::string out;
    for (const auto& w : windows)
        out += (out.empty() ? "" : ", ") + format_time_window(w);
    return out.empty() ? "none" : out;
}

std::vector<OpenInterval> open_intervals(const std::vector<TimeWindow>& windows, const Date& day,
                                         const date::time_zone* zone) {
    std::vector<OpenInterval> out;
    const Date next{date::sys_days{day} + date::days{1}};
    for (const auto& w : windows) {
        const SysSeconds begin = local_instant(day, w.begin, zone);
        const SysSeconds end = w.end >= std::chrono::hours(24) ? start_of_day(next, zone)
                                                               : local_instant(day, w.end, zone);
        if (begin < end) out.push_back({begin, end});
    }
    return out;
}

bool is_open(const std::vector<OpenInterval>& open, SysSeconds t) {
    return std::any_of(open.begin(), open.end(),
                       [t](const OpenInterval& i) { return i.begin <= t && t < i.end; });
}

std::optional<SysSeconds> next_open(const std::vector<OpenInterval>& open, SysSeconds t) {
    for (const auto& i : open) {
        if (t < i.end) return std::max(t, i.begin);
    }
    return std::nullopt;
}

seconds open_time_after(const std::vector<OpenInterval>& open, SysSeconds t) {
    seconds total{0};
    for (const auto& i : open) {
        if (t < i.end) total += i.end - std::max(t, i.begin);
    }
    return total;
}

std::optional<SysSeconds> after_open_time(const std::vector<OpenInterval>& open, SysSeconds from,
                                          seconds offset) {
    for (const auto& i : open) {
        if (from >= i.end) continue;
        const SysSeconds begin = std::max(from, i.begin);
        if (begin + offset < i.end) return begin + offset;
        offset -= i.end - begin;
    }
    return std::nullopt;
}

std::optional<SysSeconds> spread_due(const std::vector<OpenInterval>& open, SysSeconds start,
                                     seconds spread, std::string_view key) {
    const auto first = next_open(open, start);
    if (!first) return std::nullopt;
    const seconds span = std::min(spread, open_time_after(open, *first));
    if (span <= seconds{0}) return first;
    const auto offset = seconds{
        static_cast<long long>(stable_hash(key) % static_cast<std::uint64_t>(span.count()))};
    return after_open_time(open, *first, offset);
}

std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const unsigned char byte : text) {
        hash ^= byte;
        hash *= 1099511628211ull;
    }
    return hash;
}

}  // namespace huitou
