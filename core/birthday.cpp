#include "core/birthday.h"

#include <algorithm>
#include <cstdio>

#include "core/lunar_calendar.h"

namespace huitou {
namespace {

void set_error(std::string* error, std::string message) {
    if (error) *error = std::move(message);
}

bool all_digits(std::string_view s) {
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return !s.empty();
}

int to_int(std::string_view s) {
    int v = 0;
    for (char c : s)
        v = v * 10 + (c - '0');
    return v;
}

std::string month_day(unsigned month, unsigned day) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02u-%02u", month, day);
    return buf;
}

std::optional<Birthday> parse_lunar_birthday(std::string_view text, std::string* error) {
    const std::string quoted = "birthday \"" + std::string(text) + "\"";
    std::string_view rest = text.substr(6);  // after "lunar:"
    std::optional<LunarDate> parsed;
    const bool year_known = !rest.starts_with("--");
    if (year_known) {
        parsed = parse_lunar(text);
    } else {
        // The calendar's parser checks the month-day syntax; the year is a stand-in.
        parsed = parse_lunar("lunar:2000-" + std::string(rest.substr(2)));
    }
    if (!parsed) {
        set_error(error, quoted +
                             " is not lunar:YYYY-MM-DD, lunar:YYYY-leapMM-DD or lunar:--MM-DD "
                             "(year unknown)");
        return std::nullopt;
    }
    Birthday b;
    b.lunar = true;
    b.month = static_cast<unsigned>(parsed->month);
    b.day = static_cast<unsigned>(parsed->day);
    b.leap = parsed->leap;
    if (!year_known) return b;
    const int year = parsed->year;
    if (year < 1900 || year > 2099) {
        set_error(error, quoted + " is outside the lunar calendar (years 1900 to 2099)");
        return std::nullopt;
    }
    b.year = year;
    // Lunar 1900's last months and 2099's fall outside the solar range, yet
    // are real birth dates: existence is a matter of the month table.
    if (month_length(year, parsed->month, parsed->leap) < parsed->day) {
        set_error(error, quoted + " is not a real date: " + lunar_date_problem(*parsed));
        return std::nullopt;
    }
    return b;
}

// The day the birthday falls in `year` of its calendar, the birth year not
// considered; nullopt outside the lunar calendar.
std::optional<Date> occurrence(const Birthday& b, int year) {
    if (!b.lunar) {
        const date::year y{year};
        if (b.month == 2 && b.day == 29 && !y.is_leap()) {
            return Date{y, date::February, date::day{28}};
        }
        return Date{y, date::month{b.month}, date::day{b.day}};
    }
    const int month = static_cast<int>(b.month);
    const bool leap = b.leap && leap_month(year) == month;
    const int length = month_length(year, month, leap);
    if (length == 0) return std::nullopt;
    const int day = std::min(static_cast<int>(b.day), length);
    return to_solar(LunarDate{year, month, leap, day});
}

// The year of `day` in the birthday's calendar.
std::optional<int> calendar_year(const Birthday& b, const Date& day) {
    if (!b.lunar) return static_cast<int>(day.year());
    const auto lunar = to_lunar(day);
    if (!lunar) return std::nullopt;
    return lunar->year;
}

std::string lunar_key(int month, bool leap, int day) {
    return std::string("lbd:") + (leap ? "leap" : "") +
           month_day(static_cast<unsigned>(month), static_cast<unsigned>(day));
}

}  // namespace

std::optional<Birthday> parse_birthday(std::string_view text, std::string* error) {
    if (text.starts_with("lunar:")) return parse_lunar_birthday(text, error);
    Birthday b;
    std::string_view md;
    if (text.size() == 7 && text.starts_with("--")) {
        md = text.substr(2);
    } else if (text.size() == 10 && text[4] == '-' && all_digits(text.substr(0, 4))) {
        b.year = to_int(text.substr(0, 4));
        md = text.substr(5);
    } else {
        set_error(error, "birthday \"" + std::string(text) +
                             "\" is not YYYY-MM-DD, --MM-DD (year unknown) or lunar:YYYY-MM-DD");
        return std::nullopt;
    }
    if (md.size() != 5 || md[2] != '-' || !all_digits(md.substr(0, 2)) ||
        !all_digits(md.substr(3))) {
        set_error(error, "birthday \"" + std::string(text) +
                             "\" is not YYYY-MM-DD, --MM-DD (year unknown) or lunar:YYYY-MM-DD");
        return std::nullopt;
    }
    b.month = static_cast<unsigned>(to_int(md.substr(0, 2)));
    b.day = static_cast<unsigned>(to_int(md.substr(3)));
    // Check the day against a leap year when the year is unknown, so --02-29 is valid.
    const int check_year = b.year.value_or(2000);
    if (!Date{date::year{check_year}, date::month{b.month}, date::day{b.day}}.ok()) {
        set_error(error, "birthday \"" + std::string(text) + "\" is not a real date");
        return std::nullopt;
    }
    if (b.year && (*b.year < 1900 || *b.year > 2100)) {
        set_error(error, "birthday \"" + std::string(text) + "\" has an implausible year");
        return std::nullopt;
    }
    return b;
}

std::string format_birthday(const Birthday& b) {
    if (b.lunar) {
        if (b.year) {
            return format_lunar(
                LunarDate{*b.year, static_cast<int>(b.month), b.leap, static_cast<int>(b.day)});
        }
        return std::string("lunar:--") + (b.leap ? "leap" : "") + month_day(b.month, b.day);
    }
    if (!b.year) return "--" + month_day(b.month, b.day);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d-", *b.year);
    return buf + month_day(b.month, b.day);
}

std::optional<Date> kept_in(const Birthday& b, int year) {
    if (b.year && year <= *b.year) return std::nullopt;
    return occurrence(b, year);
}

std::optional<Date> next_kept(const Birthday& b, const Date& today) {
    // A lunar year starts in January or February: the kept day of the
    // previous lunar year may still be ahead in early solar January.
    const int year = static_cast<int>(today.year());
    for (int y = year - 1; y <= year + 2; ++y) {
        const auto kept = kept_in(b, y);
        if (kept && *kept >= today) return kept;
    }
    return std::nullopt;
}

bool is_birthday_on(const Birthday& b, const Date& day) {
    const auto year = calendar_year(b, day);
    if (!year) return false;
    const auto kept = kept_in(b, *year);
    return kept && *kept == day;
}

std::optional<int> age_turned(const Birthday& b, const Date& day) {
    if (!b.year) return std::nullopt;
    const auto year = calendar_year(b, day);
    if (!year || *year <= *b.year) return std::nullopt;
    return *year - *b.year;
}

std::optional<int> age_on(const Birthday& b, const Date& day) {
    if (!b.year) return std::nullopt;
    const auto year = calendar_year(b, day);
    if (!year) return std::nullopt;
    const auto this_year = occurrence(b, *year);
    if (!this_year) return std::nullopt;
    const int age = *year - *b.year - (*this_year > day ? 1 : 0);
    if (age < 0) return std::nullopt;
    return age;
}

std::string birthday_index_key(const Birthday& b) {
    if (b.lunar) return lunar_key(static_cast<int>(b.month), b.leap, static_cast<int>(b.day));
    return "bd:" + month_day(b.month, b.day);
}

std::vector<std::string> birthday_index_keys_on(const Date& day) {
    std::vector<std::string> keys{
        "bd:" + month_day(static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()))};
    if (day.month() == date::February && day.day() == date::day{28} && !day.year().is_leap()) {
        keys.push_back("bd:02-29");
    }
    const auto lunar = to_lunar(day);
    if (!lunar) return keys;
    const int m = lunar->month;
    const int d = lunar->day;
    const bool ends_short_month = d == 29 && month_length(lunar->year, m, lunar->leap) == 29;
    // Leap-month birthdays are kept in the ordinary month when the year has no such leap month.
    const bool leap_twin_absent = !lunar->leap && leap_month(lunar->year) != m;
    keys.push_back(lunar_key(m, lunar->leap, d));
    if (leap_twin_absent) keys.push_back(lunar_key(m, true, d));
    if (ends_short_month) {
        keys.push_back(lunar_key(m, lunar->leap, 30));
        if (leap_twin_absent) keys.push_back(lunar_key(m, true, 30));
    }
    return keys;
}

std::vector<std::string> all_birthday_index_keys() {
    std::vector<std::string> keys;
    for (unsigned m = 1; m <= 12; ++m) {
        for (unsigned d = 1; d <= 31; ++d) {
            if (Date{date::year{2000}, date::month{m}, date::day{d}}.ok()) {
                keys.push_back("bd:" + month_day(m, d));
            }
        }
    }
    for (const bool leap : {false, true}) {
        for (int m = 1; m <= 12; ++m) {
            for (int d = 1; d <= 30; ++d)
                keys.push_back(lunar_key(m, leap, d));
        }
    }
    return keys;
}

}  // namespace huitou
