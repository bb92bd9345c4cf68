// solar_terms.h — the 24 solar terms (二十四节气) as dates, 1901–2099.
//
// A term is the day (Beijing time, UTC+8) on which the Sun's apparent
// ecliptic longitude reaches a multiple of 15°: 清明 at 15°, 冬至 at 270°. The
// dates are a table, 24 two-bit day offsets per year, not an ephemeris: a
// precise ephemeris is thousands of lines, and the table is what the Purple
// Mountain and Hong Kong observatories publish. It was generated from a
// precise computation (sxwnl via lunar-javascript, agreeing on every date with
// astronomy-engine), with the one published date that differs from it
// (1979 大寒, see solar_terms.cpp). tests/unit/solar_terms_test.cpp checks
// every date against an independent computation after Meeus.
//
// Only dates: the instant of a term is not kept, and nothing here knows
// festivals (festival_rule.h uses 清明 as a rule) or the lunar calendar.
#pragma once

#include <optional>
#include <string_view>

#include <date/date.h>

namespace huitou {

// In calendar order from January; the enumerator is the pinyin key.
enum class SolarTerm {
    xiaohan,      // 小寒 285°, ~Jan 5
    dahan,        // 大寒 300°
    lichun,       // 立春 315°, ~Feb 4
    yushui,       // 雨水 330°
    jingzhe,      // 惊蛰 345°
    chunfen,      // 春分   0°, the March equinox
    qingming,     // 清明  15°, ~Apr 5
    guyu,         // 谷雨  30°
    lixia,        // 立夏  45°
    xiaoman,      // 小满  60°
    mangzhong,    // 芒种  75°
    xiazhi,       // 夏至  90°, the June solstice
    xiaoshu,      // 小暑 105°
    dashu,        // 大暑 120°
    liqiu,        // 立秋 135°
    chushu,       // 处暑 150°
    bailu,        // 白露 165°
    qiufen,       // 秋分 180°, the September equinox
    hanlu,        // 寒露 195°
    shuangjiang,  // 霜降 210°
    lidong,       // 立冬 225°
    xiaoxue,      // 小雪 240°
    daxue,        // 大雪 255°
    dongzhi,      // 冬至 270°, the December solstice
};

inline constexpr int kSolarTermCount = 24;
inline constexpr int kFirstSolarTermYear = 1901;
inline constexpr int kLastSolarTermYear = 2099;

// The day of `term` in solar `year` (Beijing time); nullopt outside
// kFirstSolarTermYear..kLastSolarTermYear. Every term falls once a year, in
// the month its comment names.
std::optional<date::year_month_day> solar_term_date(int year, SolarTerm term);

// The Sun's apparent longitude at the term, in degrees: 0, 15, ..., 345.
int solar_term_longitude(SolarTerm term);

// "qingming" and "清明"; the key is the enumerator's name.
std::string_view solar_term_key(SolarTerm term);
std::string_view solar_term_name(SolarTerm term);

// A key ("qingming") or a Chinese name, simplified or traditional ("清明",
// "穀雨"); nullopt for anything else.
std::optional<SolarTerm> parse_solar_term(std::string_view text);

}  // namespace huitou
