#include "core/value_segment.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

#include "core/visit_cycle.h"

namespace huitou {
namespace {

struct Names {
    std::string_view name, key;
};
// By the enum's value.
constexpr std::array<Names, value_segment_count> names{{
    {"一般挽留", "general_retain"},
    {"重要挽留", "important_retain"},
    {"一般保持", "general_keep"},
    {"重要保持", "important_keep"},
    {"一般发展", "general_growth"},
    {"重要发展", "important_growth"},
    {"一般价值", "general_value"},
    {"重要价值", "important_value"},
}};

template <typename T>
std::optional<T> number(std::string_view s) {
    T value{};
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(sep, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

// The middle value counted from the worst end: `worse_first` orders the
// values worst first; for an even count the worse of the two middle ones.
template <typename T, typename WorseFirst>
T middle_from_worst(std::vector<T>& values, WorseFirst worse_first) {
    const auto mid = values.begin() + static_cast<std::ptrdiff_t>((values.size() - 1) / 2);
    std::nth_element(values.begin(), mid, values.end(), worse_first);
    return *mid;
}

}  // namespace

std::string_view segment_name(ValueSegment s) {
    return names[static_cast<std::size_t>(s)].name;
}

std::string_view segment_key(ValueSegment s) {
    return names[static_cast<std::size_t>(s)].key;
}

std::optional<ValueSegment> parse_segment(std::string_view text) {
    constexpr std::string_view suffix = "客户";
    if (text.ends_with(suffix)) text.remove_suffix(suffix.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i].name == text || names[i].key == text) return static_cast<ValueSegment>(i);
    }
    return std::nullopt;
}

const std::vector<ValueSegment>& segments_best_first() {
    static const std::vector<ValueSegment> order{
        ValueSegment::important_value, ValueSegment::important_growth,
        ValueSegment::important_keep,  ValueSegment::important_retain,
        ValueSegment::general_value,   ValueSegment::general_growth,
        ValueSegment::general_keep,    ValueSegment::general_retain};
    return order;
}

int month_number(const Date& d) {
    return (static_cast<int>(d.year()) - 1970) * 12 + static_cast<int>(unsigned(d.month())) - 1;
}

MonthTotals parse_month_totals(std::string_view text) {
    MonthTotals out;
    if (text.empty()) return out;
    for (const auto entry : split(text, ',')) {
        const auto parts = split(entry, ':');
        if (parts.size() != 3) continue;
        const auto month = number<int>(parts[0]);
        const auto visits = number<long long>(parts[1]);
        const auto cents = number<long long>(parts[2]);
        if (!month || !visits || !cents) continue;
        out.push_back({*month, *visits, *cents});
    }
    std::sort(out.begin(), out.end(),
              [](const MonthTotal& a, const MonthTotal& b) { return a.month < b.month; });
    return out;
}

std::string format_month_totals(const MonthTotals& totals) {
    std::string out;
    for (const auto& t : totals) {
        if (!out.empty()) out += ',';
        out += std::to_string(t.month) + ':' + std::to_string(t.visits) + ':' +
               std::to_string(t.cents);
    }
    return out;
}

MonthTotals month_totals_of(const std::vector<VisitRecord>& history) {
    MonthTotals out;
    for (const auto& v : history) {
        const int month = month_number(date_of_day(v.day));
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const MonthTotal& t) { return t.month == month; });
        if (it == out.end()) it = out.insert(out.end(), {month, 0, 0});
        ++it->visits;
        it->cents += v.amount_cents.value_or(0);
    }
    std::sort(out.begin(), out.end(),
              [](const MonthTotal& a, const MonthTotal& b) { return a.month < b.month; });
    return out;
}

std::optional<Rfm> rfm_on(const Date& day, int period_months, int last_day,
                          const MonthTotals& totals) {
    const int last_month = month_number(day);
    const int first_month = last_month - period_months + 1;
    Rfm r;
    for (const auto& t : totals) {
        if (t.month < first_month || t.month > last_month) continue;
        r.visits += t.visits;
        r.cents += t.cents;
    }
    if (r.visits <= 0) return std::nullopt;
    r.recency_days = std::max(0, day_number(day) - last_day);
    return r;
}

std::optional<SegmentThresholds> thresholds_of(std::vector<int> recency_days,
                                               std::vector<long long> visits,
                                               std::vector<long long> cents) {
    if (recency_days.empty()) return std::nullopt;
    SegmentThresholds t;
    t.members = recency_days.size();
    // Worst first: many days since the last visit; few visits; little money.
    t.recency_days = middle_from_worst(recency_days, std::greater<>{});
    t.visits = middle_from_worst(visits, std::less<>{});
    t.cents = middle_from_worst(cents, std::less<>{});
    return t;
}

ValueSegment segment_of(const Rfm& rfm, const SegmentThresholds& t) {
    const int r = rfm.recency_days < t.recency_days ? 4 : 0;
    const int f = rfm.visits > t.visits ? 2 : 0;
    const int m = rfm.cents > t.cents ? 1 : 0;
    return static_cast<ValueSegment>(r | f | m);
}

std::string format_stored_segment(const StoredSegment& s) {
    return std::to_string(static_cast<int>(s.segment)) + ',' + std::to_string(s.thresholds_day) +
           ',' + std::to_string(s.rfm.recency_days) + ',' + std::to_string(s.rfm.visits) + ',' +
           std::to_string(s.rfm.cents);
}

std::optional<StoredSegment> parse_stored_segment(std::string_view text) {
    const auto parts = split(text, ',');
    if (parts.size() != 5) return std::nullopt;
    const auto code = number<int>(parts[0]);
    const auto day = number<int>(parts[1]);
    const auto r = number<int>(parts[2]);
    const auto f = number<long long>(parts[3]);
    const auto m = number<long long>(parts[4]);
    if (!code || *code < 0 || *code >= value_segment_count || !day || !r || !f || !m)
        return std::nullopt;
    return StoredSegment{static_cast<ValueSegment>(*code), *day, {*r, *f, *m}};
}

}  // namespace huitou
