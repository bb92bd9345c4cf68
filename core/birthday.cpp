#include "core/birthday.h"

#include <cstdio>

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

}  // namespace

std::optional<Birthday> parse_birthday(std::string_view text, std::string* error) {
    if (text.starts_with("lunar:")) {
        set_error(error, "lunar birthdays are not supported yet: \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    Birthday b;
    std::string_view md;
    if (text.size() == 7 && text.starts_with("--")) {
        md = text.substr(2);
    } else if (text.size() == 10 && text[4] == '-' && all_digits(text.substr(0, 4))) {
        b.year = to_int(text.substr(0, 4));
        md = text.substr(5);
    } else {
        set_error(error, "birthday \"" + std::string(text) +
                             "\" is not YYYY-MM-DD or --MM-DD (year unknown)");
        return std::nullopt;
    }
    if (md.size() != 5 || md[2] != '-' || !all_digits(md.substr(0, 2)) ||
        !all_digits(md.substr(3))) {
        set_error(error, "birthday \"" + std::string(text) +
                             "\" is not YYYY-MM-DD or --MM-DD (year unknown)");
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
    if (!b.year) return "--" + month_day(b.month, b.day);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d-", *b.year);
    return buf + month_day(b.month, b.day);
}

std::optional<Date> birthday_in_year(const Birthday& b, int year) {
    if (b.year && year < *b.year) return std::nullopt;
    const date::year y{year};
    if (b.month == 2 && b.day == 29 && !y.is_leap()) {
        return Date{y, date::February, date::day{28}};
    }
    return Date{y, date::month{b.month}, date::day{b.day}};
}

bool is_birthday_on(const Birthday& b, const Date& day) {
    const auto kept = birthday_in_year(b, static_cast<int>(day.year()));
    return kept && *kept == day;
}

std::optional<int> age_turned(const Birthday& b, int year) {
    if (!b.year || year < *b.year) return std::nullopt;
    return year - *b.year;
}

std::string index_month_day(const Birthday& b) {
    return month_day(b.month, b.day);
}

std::vector<std::string> index_days_for(const Date& day) {
    std::vector<std::string> keys{
        month_day(static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()))};
    if (day.month() == date::February && day.day() == date::day{28} && !day.year().is_leap()) {
        keys.push_back("02-29");
    }
    return keys;
}

}  // namespace huitou
