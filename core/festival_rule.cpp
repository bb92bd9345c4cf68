#include "core/festival_rule.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/lunar_calendar.h"

namespace huitou {
namespace {

using Date = date::year_month_day;

constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

// Overloaded lambdas for std::visit.
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

void keep_if_in_year(std::vector<Date>& out, const std::optional<Date>& day, int year) {
    if (day && day->year() == date::year{year}) out.push_back(*day);
}

// A lunar date falls in solar year Y either in lunar year Y (most of it) or in
// lunar year Y-1 (its 11th and 12th months reach into January and February).
std::vector<Date> lunar_occurrences(const LunarDateRule& rule, int year) {
    std::vector<Date> out;
    for (const int lunar_year : {year - 1, year}) {
        keep_if_in_year(out, to_solar({lunar_year, rule.month, false, rule.day}), year);
    }
    return out;
}

std::vector<Date> lunar_year_end_occurrences(int year) {
    std::vector<Date> out;
    for (const int lunar_year : {year - 1, year}) {
        // The year ends with its 12th month, or with a leap 12th month after it.
        const bool leap = leap_month(lunar_year) == 12;
        const int last = month_length(lunar_year, 12, leap);
        if (last == 0) continue;
        keep_if_in_year(out, to_solar({lunar_year, 12, leap, last}), year);
    }
    return out;
}

std::vector<Date> weekday_occurrences(const NthWeekdayRule& rule, int year) {
    const date::year_month month =
        date::year{year} / date::month{static_cast<unsigned>(rule.month)};
    if (rule.nth == NthWeekdayRule::kLast) {
        return {Date{date::sys_days{month / date::weekday_last{rule.weekday}}}};
    }
    const date::year_month_weekday nth = month / rule.weekday[static_cast<unsigned>(rule.nth)];
    if (!nth.ok()) return {};  // no 5th such weekday this month
    return {Date{date::sys_days{nth}}};
}

std::vector<Date> solar_occurrences(const SolarDateRule& rule, int year) {
    const Date day = date::year{year} / date::month{static_cast<unsigned>(rule.month)} /
                     date::day{static_cast<unsigned>(rule.day)};
    if (!day.ok()) return {};  // 02-29 in a common year
    return {day};
}

std::vector<Date> term_occurrences(const SolarTermRule& rule, int year) {
    const auto day = solar_term_date(year, rule.term);
    if (!day) return {};
    return {*day};
}

}  // namespace

std::vector<date::year_month_day> occurrences_in(const FestivalRule& rule, int solar_year) {
    std::vector<Date> days = std::visit(
        Overloaded{
            [&](const SolarDateRule& r) { return solar_occurrences(r, solar_year); },
            [&](const LunarDateRule& r) { return lunar_occurrences(r, solar_year); },
            [&](const NthWeekdayRule& r) { return weekday_occurrences(r, solar_year); },
            [&](const LunarYearEndRule&) { return lunar_year_end_occurrences(solar_year); },
            [&](const SolarTermRule& r) { return term_occurrences(r, solar_year); },
        },
        rule);
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    return days;
}

namespace {

// Parsing: each helper returns the problem as a phrase, empty when fine.

// `text` in double quotes. (Appended, not "\"" + std::string: GCC 12 at -O3
// warns -Wrestrict about that form, wrongly.)
std::string quoted(std::string_view text) {
    std::string out = "\"";
    out.append(text).append("\"");
    return out;
}

std::optional<int> two_digits(std::string_view text) {
    if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
        return std::nullopt;
    }
    return (text[0] - '0') * 10 + (text[1] - '0');
}

// "MM-DD" → month, day with month 1..12 and day 1..`max_day`.
std::string parse_month_day(std::string_view text, int max_day, int& month, int& day) {
    if (text.size() != 5 || text[2] != '-') return "expected MM-DD, two digits each";
    const auto m = two_digits(text.substr(0, 2));
    const auto d = two_digits(text.substr(3, 2));
    if (!m || !d) return "expected MM-DD, two digits each";
    if (*m < 1 || *m > 12) return "month " + std::string(text.substr(0, 2)) + " is not 01..12";
    if (*d < 1 || *d > max_day) {
        return "day " + std::string(text.substr(3, 2)) + " is not 01.." + std::to_string(max_day);
    }
    month = *m;
    day = *d;
    return {};
}

std::string parse_solar(std::string_view body, FestivalRule& rule) {
    SolarDateRule r;
    if (auto problem = parse_month_day(body, 31, r.month, r.day); !problem.empty()) return problem;
    // Checked against a leap year, so 02-29 is allowed and 02-30 or 04-31 are not.
    const Date day = date::year{2000} / date::month{static_cast<unsigned>(r.month)} /
                     date::day{static_cast<unsigned>(r.day)};
    if (!day.ok()) return "there is no " + std::string(body) + " in any year";
    rule = r;
    return {};
}

std::string parse_lunar_rule(std::string_view body, FestivalRule& rule) {
    if (body.substr(0, 4) == "leap") {
        return "festivals are kept in the ordinary month, not a leap month; write lunar:MM-DD";
    }
    if (body.size() > 5 && body[4] == '-') {
        return "a festival rule has no year; write lunar:MM-DD";
    }
    LunarDateRule r;
    if (auto problem = parse_month_day(body, 30, r.month, r.day); !problem.empty()) return problem;
    rule = r;
    return {};
}

// "MM-N-DDD", N = 1..5 or "last".
std::string parse_weekday(std::string_view body, FestivalRule& rule) {
    constexpr std::string_view kForm = "expected MM-N-DDD, e.g. 05-2-sun or 05-last-sun";
    const auto first_dash = body.find('-');
    const auto last_dash = body.rfind('-');
    if (first_dash != 2 || last_dash == first_dash) return std::string(kForm);
    const auto month = two_digits(body.substr(0, 2));
    const std::string_view nth = body.substr(3, last_dash - 3);
    const std::string_view weekday = body.substr(last_dash + 1);
    if (!month) return std::string(kForm);
    if (*month < 1 || *month > 12) {
        return "month " + std::string(body.substr(0, 2)) + " is not 01..12";
    }

    NthWeekdayRule r;
    r.month = *month;
    if (nth == "last") {
        r.nth = NthWeekdayRule::kLast;
    } else if (nth.size() == 1 && nth[0] >= '1' && nth[0] <= '5') {
        r.nth = nth[0] - '0';
    } else {
        return quoted(nth) + " is not a week number 1..5 or last";
    }
    const auto found = std::find(kWeekdayNames.begin(), kWeekdayNames.end(), weekday);
    if (found == kWeekdayNames.end()) {
        return quoted(weekday) + " is not a weekday mon, tue, wed, thu, fri, sat, sun";
    }
    r.weekday = date::weekday{static_cast<unsigned>(found - kWeekdayNames.begin())};
    rule = r;
    return {};
}

std::string parse_term(std::string_view body, FestivalRule& rule) {
    const auto term = parse_solar_term(body);
    if (!term) {
        return quoted(body) + " is not a solar term (e.g. qingming, dongzhi, 清明)";
    }
    rule = SolarTermRule{*term};
    return {};
}

}  // namespace

std::optional<FestivalRule> parse_festival_rule(std::string_view text, std::string* error) {
    struct Kind {
        std::string_view prefix;
        std::string (*parse)(std::string_view, FestivalRule&);
    };
    static constexpr std::array<Kind, 4> kKinds = {{
        {"solar:", parse_solar},
        {"lunar:", parse_lunar_rule},
        {"weekday:", parse_weekday},
        {"term:", parse_term},
    }};

    std::string problem;
    FestivalRule rule;
    if (text == "lunar_year_end") return LunarYearEndRule{};
    const auto kind = std::find_if(kKinds.begin(), kKinds.end(), [&](const Kind& k) {
        return text.substr(0, k.prefix.size()) == k.prefix;
    });
    if (kind == kKinds.end()) {
        problem =
            "expected solar:MM-DD, lunar:MM-DD, weekday:MM-N-DDD, lunar_year_end or term:NAME";
    } else {
        problem = kind->parse(text.substr(kind->prefix.size()), rule);
    }
    if (problem.empty()) return rule;
    if (error) *error = "festival rule \"" + std::string(text) + "\": " + problem;
    return std::nullopt;
}

std::string format_festival_rule(const FestivalRule& rule) {
    char buffer[32];
    std::visit(Overloaded{
                   [&](const SolarDateRule& r) {
                       std::snprintf(buffer, sizeof buffer, "solar:%02d-%02d", r.month, r.day);
                   },
                   [&](const LunarDateRule& r) {
                       std::snprintf(buffer, sizeof buffer, "lunar:%02d-%02d", r.month, r.day);
                   },
                   [&](const NthWeekdayRule& r) {
                       const std::string nth =
                           r.nth == NthWeekdayRule::kLast ? "last" : std::to_string(r.nth);
                       std::snprintf(buffer, sizeof buffer, "weekday:%02d-%s-%s", r.month,
                                     nth.c_str(), kWeekdayNames[r.weekday.c_encoding()].data());
                   },
                   [&](const LunarYearEndRule&) {
                       std::snprintf(buffer, sizeof buffer, "lunar_year_end");
                   },
                   [&](const SolarTermRule& r) {
                       std::snprintf(buffer, sizeof buffer, "term:%s",
                                     std::string(solar_term_key(r.term)).c_str());
                   },
               },
               rule);
    return buffer;
}

}  // namespace huitou
