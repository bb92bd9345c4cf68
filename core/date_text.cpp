#include "core/date_text.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace huitou {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads 1..max_digits digits at `pos`; nullopt when there are none or too many.
std::optional<int> read_number(std::string_view s, std::size_t& pos, std::size_t max_digits) {
    const std::size_t start = pos;
    int value = 0;
    // Count every digit, but add only the first max_digits: a long run of
    // digits is "too many", never an int overflow.
    while (pos < s.size() && is_digit(s[pos])) {
        if (pos - start < max_digits) value = value * 10 + (s[pos] - '0');
        ++pos;
    }
    const std::size_t n = pos - start;
    if (n == 0 || n > max_digits) return std::nullopt;
    return value;
}

bool skip(std::string_view s, std::size_t& pos, std::string_view what) {
    if (s.substr(pos, what.size()) != what) return false;
    pos += what.size();
    return true;
}

std::string format(int y, int m, int d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return buf;
}

std::optional<std::string> solar(std::string_view s) {
    // 19900815: exactly eight digits.
    if (s.size() == 8 && std::all_of(s.begin(), s.end(), is_digit)) {
        auto num = [&](std::size_t at, std::size_t n) {
            int v = 0;
            for (std::size_t i = at; i < at + n; ++i)
                v = v * 10 + (s[i] - '0');
            return v;
        };
        return format(num(0, 4), num(4, 2), num(6, 2));
    }
    std::size_t pos = 0;
    const auto y = read_number(s, pos, 4);
    if (!y || pos != 4) return std::nullopt;
    // One separator, the same between year and month as between month and day.
    static constexpr std::array<std::array<std::string_view, 3>, 4> forms{{
        {"-", "-", ""},
        {"/", "/", ""},
        {".", ".", ""},
        {"年", "月", "日"},
    }};
    for (const auto& [first, second, last] : forms) {
        std::size_t p = pos;
        if (!skip(s, p, first)) continue;
        const auto m = read_number(s, p, 2);
        if (!m || !skip(s, p, second)) return std::nullopt;
        const auto d = read_number(s, p, 2);
        if (!d) return std::nullopt;
        if (!last.empty()) skip(s, p, last);  // 日 may be left out
        if (p != s.size()) return std::nullopt;
        return format(*y, *m, *d);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> canonical_date_text(std::string_view text) {
    constexpr std::string_view lunar = "lunar:";
    if (text.starts_with(lunar)) {
        const auto rest = solar(text.substr(lunar.size()));
        if (!rest) return std::nullopt;
        return std::string(lunar) + *rest;
    }
    return solar(text);
}

}  // namespace huitou
