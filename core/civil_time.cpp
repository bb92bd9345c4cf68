#include "core/civil_time.h"

#include <charconv>
#include <cstdio>

namespace huitou {
namespace {

// Reads exactly `width` decimal digits at `pos`; advances `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
}

bool read_char(std::string_view text, std::size_t& pos, char expected) {
    if (pos >= text.size() || text[pos] != expected) return false;
    ++pos;
    return true;
}

std::optional<Date> read_date(std::string_view text, std::size_t& pos) {
    const auto y = read_digits(text, pos, 4);
    if (!y || !read_char(text, pos, '-')) return std::nullopt;
    const auto m = read_digits(text, pos, 2);
    if (!m || !read_char(text, pos, '-')) return std::nullopt;
    const auto d = read_digits(text, pos, 2);
    if (!d) return std::nullopt;
    const Date date{date::year{*y}, date::month{static_cast<unsigned>(*m)},
                    date::day{static_cast<unsigned>(*d)}};
    if (!date.ok()) return std::nullopt;
    return date;
}

// "HH:MM" or "HH:MM:SS" at pos.
std::optional<std::chrono::seconds> read_time(std::string_view text, std::size_t& pos) {
    const auto h = read_digits(text, pos, 2);
    if (!h || !read_char(text, pos, ':')) return std::nullopt;
    const auto m = read_digits(text, pos, 2);
    if (!m) return std::nullopt;
    int s = 0;
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        const auto sec = read_digits(text, pos, 2);
        if (!sec) return std::nullopt;
        s = *sec;
    }
    if (*h > 23 || *m > 59 || s > 59) return std::nullopt;
    return std::chrono::hours(*h) + std::chrono::minutes(*m) + std::chrono::seconds(s);
}

void set_error(std::string* error, std::string message) {
    if (error) *error = std::move(message);
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
    std::size_t pos = 0;
    auto d = read_date(text, pos);
    if (!d || pos != text.size()) return std::nullopt;
    return d;
}

std::string format_date(const Date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

std::optional<std::chrono::seconds> parse_time_of_day(std::string_view text) {
    std::size_t pos = 0;
    auto t = read_time(text, pos);
    if (!t || pos != text.size()) return std::nullopt;
    return t;
}

std::string format_time_of_day(std::chrono::seconds since_midnight) {
    const auto s = since_midnight.count();
    char buf[48];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
    return buf;
}

std::optional<SysSeconds> parse_instant(std::string_view text, std::string* error) {
    std::size_t pos = 0;
    const auto day = read_date(text, pos);
    if (!day) {
        set_error(error,
                  "expected a date YYYY-MM-DD at the start of \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    if (!read_char(text, pos, 'T') && !read_char(text, pos, ' ')) {
        set_error(error, "expected 'T' and a time after the date in \"" + std::string(text) +
                             "\" (e.g. 2027-09-15T10:00:00+08:00)");
        return std::nullopt;
    }
    const auto time = read_time(text, pos);
    if (!time) {
        set_error(error, "expected a time HH:MM[:SS] in \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    std::chrono::seconds offset{0};
    if (read_char(text, pos, 'Z')) {
        // UTC
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        const auto oh = read_digits(text, pos, 2);
        read_char(text, pos, ':');
        const auto om = read_digits(text, pos, 2);
        if (!oh || !om || *oh > 14 || *om > 59) {
            set_error(error, "malformed UTC offset in \"" + std::string(text) + "\"");
            return std::nullopt;
        }
        offset = sign * (std::chrono::hours(*oh) + std::chrono::minutes(*om));
    } else {
        set_error(error, "missing UTC offset in \"" + std::string(text) +
                             "\" (add +08:00 or Z; a time without one is ambiguous)");
        return std::nullopt;
    }
    if (pos != text.size()) {
        set_error(error, "unexpected text after the instant in \"" + std::string(text) + "\"");
        return std::nullopt;
    }
    return SysSeconds{date::sys_days{*day}.time_since_epoch()} + *time - offset;
}

std::string unix_seconds(SysSeconds t) {
    return std::to_string(t.time_since_epoch().count());
}

std::string format_instant(SysSeconds t, const date::time_zone* zone) {
    const auto info = zone->get_info(t);
    const auto local = t + info.offset;
    const auto day = date::floor<date::days>(local);
    const Date d{day};
    const auto tod = local - day;
    const auto off = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
    const long long abs_off = off < 0 ? -off : off;
    char buf[96];
    std::snprintf(
        buf, sizeof buf, "%sT%02lld:%02lld:%02lld%c%02lld:%02lld", format_date(d).c_str(),
        static_cast<long long>(tod.count() / 3600), static_cast<long long>(tod.count() / 60 % 60),
        static_cast<long long>(tod.count() % 60), off < 0 ? '-' : '+', abs_off / 60, abs_off % 60);
    return buf;
}

const date::time_zone* find_zone(std::string_view name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

Date local_date(SysSeconds t, const date::time_zone* zone) {
    const auto local = zone->to_local(t);
    return Date{date::floor<date::days>(local)};
}

SysSeconds local_instant(const Date& day, std::chrono::seconds since_midnight,
                         const date::time_zone* zone) {
    const auto local = date::local_days{day} + since_midnight;
    const auto info = zone->get_info(local);
    switch (info.result) {
        case date::local_info::unique:
        case date::local_info::ambiguous:  // the earlier of the two instants
            return SysSeconds{local.time_since_epoch() - info.first.offset};
        case date::local_info::nonexistent:  // skipped by DST: the moment the clock jumps
            return info.second.begin;
    }
    return SysSeconds{local.time_since_epoch() - info.first.offset};
}

SysSeconds start_of_day(const Date& day, const date::time_zone* zone) {
    return local_instant(day, std::chrono::seconds(0), zone);
}

}  // namespace huitou
