#include "core/lunar_calendar.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>

namespace huitou {
namespace {

constexpr int kFirstYear = 1900;
constexpr int kYearCount = 200;  // lunar years 1900..2099

// One word per lunar year, the encoding of the widely copied "lunarInfo" table:
//   bits 15..4  months 1..12, bit set = 30 days (bit 15 is month 1)
//   bits 3..0   the leap month, 0 = none
//   bit 16      the leap month has 30 days
// Generated from the month list of lunar-javascript 1.7.7, which a published
// day-by-day audit found equal to the Hong Kong Observatory tables 1901-2100
// except 2057-09-28..10-27, where HKO's value is used here (2057: 0x06aa0;
// the astronomical 0x06b20 starts the 9th month a day later).
// Copies of this table circulate with wrong words, e.g. for 1933, 1954, 1956,
// 1978, 1996, 2033 (闰七月 instead of the correct 闰十一月) or 2097; see
// docs/calendar.md.
constexpr std::array<std::uint32_t, kYearCount> kYearInfo = {
    0x04bd8, 0x04ae0, 0x0a570, 0x054d5, 0x0d260,  // 1900
    0x0d950, 0x16554, 0x056a0, 0x09ad0, 0x055d2,  // 1905
    0x04ae0, 0x0a5b6, 0x0a4d0, 0x0d250, 0x1d255,  // 1910
    0x0b540, 0x0d6a0, 0x0ada2, 0x095b0, 0x14977,  // 1915
    0x04970, 0x0a4b0, 0x0b4b5, 0x06a50, 0x06d40,  // 1920
    0x1ab54, 0x02b60, 0x09570, 0x052f2, 0x04970,  // 1925
    0x06566, 0x0d4a0, 0x0ea50, 0x16a95, 0x05ad0,  // 1930
    0x02b60, 0x186e3, 0x092e0, 0x1c8d7, 0x0c950,  // 1935
    0x0d4a0, 0x1d8a6, 0x0b550, 0x056a0, 0x1a5b4,  // 1940
    0x025d0, 0x092d0, 0x0d2b2, 0x0a950, 0x0b557,  // 1945
    0x06ca0, 0x0b550, 0x15355, 0x04da0, 0x0a5b0,  // 1950
    0x14573, 0x052b0, 0x0a9a8, 0x0e950, 0x06aa0,  // 1955
    0x0aea6, 0x0ab50, 0x04b60, 0x0aae4, 0x0a570,  // 1960
    0x05260, 0x0f263, 0x0d950, 0x05b57, 0x056a0,  // 1965
    0x096d0, 0x04dd5, 0x04ad0, 0x0a4d0, 0x0d4d4,  // 1970
    0x0d250, 0x0d558, 0x0b540, 0x0b6a0, 0x195a6,  // 1975
    0x095b0, 0x049b0, 0x0a974, 0x0a4b0, 0x0b27a,  // 1980
    0x06a50, 0x06d40, 0x0af46, 0x0ab60, 0x09570,  // 1985
    0x04af5, 0x04970, 0x064b0, 0x074a3, 0x0ea50,  // 1990
    0x06b58, 0x05ac0, 0x0ab60, 0x096d5, 0x092e0,  // 1995
    0x0c960, 0x0d954, 0x0d4a0, 0x0da50, 0x07552,  // 2000
    0x056a0, 0x0abb7, 0x025d0, 0x092d0, 0x0cab5,  // 2005
    0x0a950, 0x0b4a0, 0x0baa4, 0x0ad50, 0x055d9,  // 2010
    0x04ba0, 0x0a5b0, 0x15176, 0x052b0, 0x0a930,  // 2015
    0x07954, 0x06aa0, 0x0ad50, 0x05b52, 0x04b60,  // 2020
    0x0a6e6, 0x0a4e0, 0x0d260, 0x0ea65, 0x0d530,  // 2025
    0x05aa0, 0x076a3, 0x096d0, 0x04afb, 0x04ad0,  // 2030
    0x0a4d0, 0x1d0b6, 0x0d250, 0x0d520, 0x0dd45,  // 2035
    0x0b5a0, 0x056d0, 0x055b2, 0x049b0, 0x0a577,  // 2040
    0x0a4b0, 0x0aa50, 0x1b255, 0x06d20, 0x0ada0,  // 2045
    0x14b63, 0x09370, 0x049f8, 0x04970, 0x064b0,  // 2050
    0x168a6, 0x0ea50, 0x06aa0, 0x1a6c4, 0x0aae0,  // 2055
    0x092e0, 0x0d2e3, 0x0c960, 0x0d557, 0x0d4a0,  // 2060
    0x0da50, 0x05d55, 0x056a0, 0x0a6d0, 0x055d4,  // 2065
    0x052d0, 0x0a9b8, 0x0a950, 0x0b4a0, 0x0b6a6,  // 2070
    0x0ad50, 0x055a0, 0x0aba4, 0x0a5b0, 0x052b0,  // 2075
    0x0b273, 0x06930, 0x07337, 0x06aa0, 0x0ad50,  // 2080
    0x14b55, 0x04b60, 0x0a570, 0x054e4, 0x0d160,  // 2085
    0x0e968, 0x0d520, 0x0daa0, 0x16aa6, 0x056d0,  // 2090
    0x04ae0, 0x0a9d4, 0x0a2d0, 0x0d150, 0x0f252,  // 2095
};

constexpr bool has_30_days(std::uint32_t info, int month) {
    return (info & (0x10000u >> month)) != 0;
}

constexpr int leap_of(std::uint32_t info) {
    return static_cast<int>(info & 0xf);
}

constexpr int leap_length_of(std::uint32_t info) {
    if (leap_of(info) == 0) return 0;
    return (info & 0x10000u) != 0 ? 30 : 29;
}

constexpr int year_length(std::uint32_t info) {
    int days = leap_length_of(info);
    for (int m = 1; m <= 12; ++m)
        days += has_30_days(info, m) ? 30 : 29;
    return days;
}

// Lunar 1900-01-01.
constexpr date::sys_days kEpoch{date::year{1900} / 1 / 31};

// kYearStart[i]: days from kEpoch to 正月初一 of lunar year 1900 + i.
constexpr std::array<int, kYearCount + 1> kYearStart = [] {
    std::array<int, kYearCount + 1> start{};
    for (int i = 0; i < kYearCount; ++i)
        start[i + 1] = start[i] + year_length(kYearInfo[i]);
    return start;
}();

// Anchors that catch a corrupted table entry at compile time: any wrong
// month length moves every later new year.
static_assert(kEpoch + date::days{kYearStart[127]} == date::sys_days{date::year{2027} / 2 / 6});
static_assert(kEpoch + date::days{kYearStart[kYearCount]} ==
              date::sys_days{date::year{2100} / 2 / 9});

constexpr bool in_table(int lunar_year) {
    return lunar_year >= kFirstYear && lunar_year < kFirstYear + kYearCount;
}

bool in_supported_range(date::sys_days day) {
    return day >= date::sys_days{kFirstLunarSupportedDay} &&
           day <= date::sys_days{kLastLunarSupportedDay};
}

}  // namespace

int leap_month(int lunar_year) {
    if (!in_table(lunar_year)) return 0;
    return leap_of(kYearInfo[lunar_year - kFirstYear]);
}

int month_length(int lunar_year, int month, bool leap) {
    if (!in_table(lunar_year) || month < 1 || month > 12) return 0;
    const std::uint32_t info = kYearInfo[lunar_year - kFirstYear];
    if (leap) return leap_of(info) == month ? leap_length_of(info) : 0;
    return has_30_days(info, month) ? 30 : 29;
}

std::optional<LunarDate> to_lunar(date::year_month_day solar) {
    if (!solar.ok()) return std::nullopt;
    const date::sys_days day{solar};
    if (!in_supported_range(day)) return std::nullopt;

    int offset = (day - kEpoch).count();
    int index = 0;
    while (kYearStart[index + 1] <= offset)
        ++index;
    offset -= kYearStart[index];

    const std::uint32_t info = kYearInfo[index];
    const int year = kFirstYear + index;
    for (int m = 1; m <= 12; ++m) {
        const int length = has_30_days(info, m) ? 30 : 29;
        if (offset < length) return LunarDate{year, m, false, offset + 1};
        offset -= length;
        if (m == leap_of(info)) {
            if (offset < leap_length_of(info)) return LunarDate{year, m, true, offset + 1};
            offset -= leap_length_of(info);
        }
    }
    return std::nullopt;  // unreachable: kYearStart says the day is in this year
}

std::optional<date::year_month_day> to_solar(const LunarDate& lunar) {
    const int length = month_length(lunar.year, lunar.month, lunar.leap);
    if (length == 0 || lunar.day < 1 || lunar.day > length) return std::nullopt;

    const int index = lunar.year - kFirstYear;
    const std::uint32_t info = kYearInfo[index];
    int offset = kYearStart[index];
    for (int m = 1; m < lunar.month; ++m) {
        offset += has_30_days(info, m) ? 30 : 29;
        if (m == leap_of(info)) offset += leap_length_of(info);
    }
    if (lunar.leap) offset += has_30_days(info, lunar.month) ? 30 : 29;
    offset += lunar.day - 1;

    const date::sys_days day = kEpoch + date::days{offset};
    if (!in_supported_range(day)) return std::nullopt;
    return date::year_month_day{day};
}

std::string format_lunar(const LunarDate& d) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "lunar:%04d-%s%02d-%02d", d.year, d.leap ? "leap" : "",
                  d.month, d.day);
    return buffer;
}

namespace {

// Exactly `width` ASCII digits.
std::optional<int> parse_digits(std::string_view text, std::size_t width) {
    if (text.size() != width) return std::nullopt;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;  // from_chars accepts a leading '-'
    }
    return value;
}

}  // namespace

std::optional<LunarDate> parse_lunar(std::string_view text) {
    constexpr std::string_view kPrefix = "lunar:";
    if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    text.remove_prefix(kPrefix.size());

    // YYYY-[leap]MM-DD
    if (text.size() < 10 || text[4] != '-') return std::nullopt;
    const auto year = parse_digits(text.substr(0, 4), 4);
    text.remove_prefix(5);
    const bool leap = text.substr(0, 4) == "leap";
    if (leap) text.remove_prefix(4);
    if (text.size() != 5 || text[2] != '-') return std::nullopt;
    const auto month = parse_digits(text.substr(0, 2), 2);
    const auto day = parse_digits(text.substr(3, 2), 2);

    if (!year || !month || !day || *year < 1) return std::nullopt;
    if (*month < 1 || *month > 12 || *day < 1 || *day > 30) return std::nullopt;
    return LunarDate{*year, *month, leap, *day};
}

std::string lunar_date_problem(const LunarDate& d) {
    if (to_solar(d)) return {};
    auto ordinal = [](int n) {
        return std::to_string(n) + (n == 1 ? "st" : n == 2 ? "nd" : n == 3 ? "rd" : "th");
    };
    const std::string year = "lunar " + std::to_string(d.year);
    if (d.year >= kFirstYear && d.year < kFirstYear + kYearCount && d.month >= 1 && d.month <= 12) {
        if (d.leap && leap_month(d.year) != d.month) {
            const int actual = leap_month(d.year);
            return year + " has no leap " + ordinal(d.month) + " month (" +
                   (actual == 0 ? "it has no leap month"
                                : "its leap month is the " + ordinal(actual)) +
                   ")";
        }
        const int length = month_length(d.year, d.month, d.leap);
        if (d.day > length) {
            return std::string("the ") + (d.leap ? "leap " : "") + ordinal(d.month) + " month of " +
                   year + " has " + std::to_string(length) + " days";
        }
    }
    return "outside the lunar calendar's range (1901-01-01 to 2099-12-31)";
}

}  // namespace huitou
