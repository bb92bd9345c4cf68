// bench/gen_members — realistic members and visit histories, for the benchmarks.
//
// Writes a member CSV in the import format (docs/configuration.md) and,
// optionally, a visit CSV for `huitou import-visits`, spread over several
// stores. Deterministic: the same --seed gives the same bytes (a splitmix64
// stream and our own range arithmetic, not <random>'s distributions, whose
// output differs between standard libraries).
//
// What a shop's member list looks like, roughly: mostly women (mother-and-baby
// shops, salons), a birthday for 85 % — a fifth of those lunar (农历), a few in
// a leap month, some without the year — spread over the year with a little
// seasonality (more in late summer and autumn); children for 30 %; a card
// with an expiry for 55 %; a tier for half; an openid for 40 %; SMS consent
// for three quarters; numbers typed several ways (spaces, dashes, +86), 85 %
// of them from the 7-digit segments (号段) of the store's city. Every
// value is valid: the import must reject nothing.
//
//   build-bench/bin/bench_gen_members --members 1000000 --stores 4 --seed 1
//       --out members.csv [--visits visits.csv --visit-share 0.3 --today 2027-09-15]
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/birthday.h"
#include "core/civil_time.h"
#include "core/lunar_calendar.h"

using namespace huitou;

namespace {

class Random {
  public:
    explicit Random(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi].
    int range(int lo, int hi) {
        return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
    bool chance(double p) { return unit() < p; }
    // An index drawn with the given weights.
    template <std::size_t N>
    std::size_t weighted(const std::array<double, N>& w) {
        double total = 0;
        for (const double x : w)
            total += x;
        double r = unit() * total;
        for (std::size_t i = 0; i < N; ++i) {
            if (r < w[i]) return i;
            r -= w[i];
        }
        return N - 1;
    }

  private:
    std::uint64_t state_;
};

// The most common surnames, roughly by frequency, and given-name characters.
constexpr std::array<std::string_view, 40> surnames{
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",  "马", "朱",
    "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许",  "韩", "冯",
    "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "欧阳"};
constexpr std::array<std::string_view, 48> given{
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "梅", "琳", "婷", "雪",
    "欣", "怡", "佳", "子", "涵", "轩", "宇", "浩", "然", "梓", "睿", "诺", "一", "可", "晨", "悦"};
// Month weights: births in China peak in late summer and autumn.
constexpr std::array<double, 12> month_weight{7.9, 7.0, 7.8, 7.6, 8.0, 8.0,
                                              8.6, 9.0, 9.2, 9.3, 8.9, 8.7};
// Mobile prefixes in use (China Mobile, Unicom, Telecom).
constexpr std::array<int, 30> mobile_prefixes{130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
                                              150, 151, 152, 153, 155, 156, 157, 158, 159, 166,
                                              177, 180, 181, 182, 183, 185, 186, 187, 188, 189};
constexpr std::array<std::string_view, 4> tiers{"普卡", "银卡", "金卡", "钻石卡"};

std::string two(int n) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02d", n);
    return buf;
}

std::string person_name(Random& r, bool with_surname = true) {
    std::string s =
        with_surname
            ? std::string(
                  surnames[r.range(0, 19) < 12 ? r.range(0, 9) : r.range(0, surnames.size() - 1)])
            : std::string();
    s += given[r.range(0, given.size() - 1)];
    if (r.chance(0.7)) s += given[r.range(0, given.size() - 1)];
    return s;
}

std::string solar_birthday(Random& r, int year_lo, int year_hi, bool year_known) {
    const int year = r.range(year_lo, year_hi);
    const unsigned month = static_cast<unsigned>(r.weighted(month_weight)) + 1;
    const date::year_month_day last{date::year{year} / date::month{month} / date::last};
    const unsigned day = static_cast<unsigned>(r.range(1, static_cast<int>(unsigned(last.day()))));
    Birthday b{false, year_known ? std::optional<int>(year) : std::nullopt, month, day, false};
    return format_birthday(b);
}

std::string lunar_birthday(Random& r, int year_lo, int year_hi, bool year_known) {
    for (;;) {
        Birthday b;
        b.lunar = true;
        const int year = r.range(year_lo, year_hi);
        // A few are born in a leap month (about 1 lunar month in 37 is one).
        if (year_known && r.chance(0.03)) {
            const int leap = leap_month(year);
            if (leap == 0) continue;
            b.month = static_cast<unsigned>(leap);
            b.leap = true;
        } else {
            b.month = static_cast<unsigned>(r.weighted(month_weight)) + 1;
        }
        b.day = static_cast<unsigned>(r.range(1, 30));
        if (year_known) {
            b.year = year;
            // It must exist that year (a 30th only in a 30-day month).
            if (!to_solar({year, static_cast<int>(b.month), b.leap, static_cast<int>(b.day)}))
                continue;
        } else if (b.day == 30 && r.chance(0.5)) {
            b.day = 29;  // about half the months have a 30th
        }
        return format_birthday(b);
    }
}

// Mobile numbers are allocated to cities in 7-digit segments (号段): a
// store's members mostly hold numbers of its own city's segments.
std::vector<int> city_segments(Random& r) {
    std::vector<int> segments;
    for (int i = 0; i < 2000; ++i)
        segments.push_back(mobile_prefixes[r.range(0, mobile_prefixes.size() - 1)] * 10000 +
                           r.range(0, 9999));
    return segments;
}

std::string phone(Random& r, const std::vector<int>& city, double local_share) {
    const int segment =
        r.chance(local_share)
            ? city[r.range(0, city.size() - 1)]
            : mobile_prefixes[r.range(0, mobile_prefixes.size() - 1)] * 10000 + r.range(0, 9999);
    char digits[12];
    std::snprintf(digits, sizeof digits, "%07d%04d", segment, r.range(0, 9999));
    const std::string d(digits);
    const double how = r.unit();
    if (how < 0.90) return d;
    if (how < 0.95) return d.substr(0, 3) + " " + d.substr(3, 4) + " " + d.substr(7);
    if (how < 0.98) return "+86" + d;
    return d.substr(0, 3) + "-" + d.substr(3, 4) + "-" + d.substr(7);
}

std::string openid(Random& r) {
    static constexpr std::string_view chars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string s = "o";
    for (int i = 0; i < 27; ++i)
        s += chars[r.next() % chars.size()];
    return s;
}

std::string add_days(const Date& d, int n) {
    return format_date(Date{date::sys_days{d} + date::days{n}});
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_gen_members: realistic members and visits for the benchmarks"};
    long long members = 100000;
    int stores = 4;
    std::uint64_t seed = 1;
    std::string out_path = "members.csv", visits_path, today_text = "2027-09-15";
    double visit_share = 0.3;
    int max_visits = 20;
    double local_share = 0.85;
    app.add_option("--members", members)->check(CLI::Range(1LL, 100000000LL));
    app.add_option("--stores", stores, "Stores bench1..benchN")->check(CLI::Range(1, 99));
    app.add_option("--seed", seed);
    app.add_option("--out", out_path, "The member CSV");
    app.add_option("--visits", visits_path, "Also write a visit CSV");
    app.add_option("--visit-share", visit_share, "Share of members with visits")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--max-visits", max_visits, "Most visits of one member")
        ->check(CLI::Range(1, 100));
    app.add_option("--today", today_text, "Visits end the day before; cards expire around it");
    app.add_option("--local-phones", local_share,
                   "Share of numbers from the store's city's 2000 segments (the rest: any)")
        ->check(CLI::Range(0.0, 1.0));
    CLI11_PARSE(app, argc, argv);
    const auto today = parse_date(today_text);
    if (!today) {
        std::cerr << "--today: not a date\n";
        return 2;
    }

    std::ofstream out(out_path, std::ios::binary);
    std::ofstream visits;
    if (!visits_path.empty()) visits.open(visits_path, std::ios::binary);
    if (!out || (!visits_path.empty() && !visits)) {
        std::cerr << "cannot write the output files\n";
        return 2;
    }
    out << "member_id,store,name,gender,birthday,phone,wechat_openid,tier,card_expires,"
           "sms_optin,wechat_optin,child1_name,child1_birthday,child1_gender,"
           "child2_name,child2_birthday,child2_gender,child3_name,child3_birthday,child3_gender\n";
    if (visits) visits << "member_id,store,visited_at,amount,visit_id\n";

    Random r(seed);
    std::vector<std::vector<int>> cities;
    for (int s = 0; s < stores; ++s)
        cities.push_back(city_segments(r));
    const int today_year = static_cast<int>(today->year());
    long long visit_rows = 0;
    std::string line;
    for (long long i = 0; i < members; ++i) {
        // Stores of different sizes: store 1 the biggest.
        const int store = 1 + static_cast<int>((r.unit() * r.unit()) * stores);
        const std::string store_id = "bench" + std::to_string(store);
        char id[24];
        std::snprintf(id, sizeof id, "M%07lld", i + 1);
        line.clear();
        line += id;
        line += ',' + store_id + ',' + person_name(r) + ',';
        const double g = r.unit();
        line += g < 0.62 ? "F" : g < 0.95 ? "M" : "";
        line += ',';
        if (r.chance(0.85)) {
            const bool year_known = r.chance(0.9);
            line += r.chance(0.2) ? lunar_birthday(r, 1950, today_year - 16, year_known)
                                  : solar_birthday(r, 1950, today_year - 16, year_known);
        }
        line += ',' + phone(r, cities[static_cast<std::size_t>(store - 1)], local_share) + ',';
        const bool has_openid = r.chance(0.4);
        if (has_openid) line += openid(r);
        line += ',';
        if (r.chance(0.5)) line += tiers[r.weighted(std::array<double, 4>{50, 30, 15, 5})];
        line += ',';
        if (r.chance(0.55)) line += add_days(*today, r.range(-180, 540));
        line += ',';
        const double sms = r.unit();
        line += sms < 0.75 ? "1" : sms < 0.9 ? "0" : "";
        line += ',';
        if (has_openid) line += r.chance(0.8) ? "1" : "0";
        int children = 0;
        if (r.chance(0.3)) children = r.chance(0.7) ? 1 : r.chance(0.83) ? 2 : 3;
        std::vector<std::string> names;
        for (int c = 0; c < 3; ++c) {
            line += ',';
            if (c >= children) {
                line += ",,";
                continue;
            }
            std::string name;
            do {
                name = person_name(r, false);
                if (r.chance(0.5)) name = "小" + name.substr(0, 3);
            } while (std::find(names.begin(), names.end(), name) != names.end());
            names.push_back(name);
            line += name + ',';
            if (r.chance(0.9)) {
                line += r.chance(0.15) ? lunar_birthday(r, today_year - 14, today_year - 1, true)
                                       : solar_birthday(r, today_year - 14, today_year - 1, true);
            }
            line += ',';
            line += r.chance(0.5) ? "F" : "M";
        }
        line += '\n';
        out << line;

        if (!visits || !r.chance(visit_share)) continue;
        // A regular with a cycle of a few days to two months, visits ending
        // some time before today (so some are overdue).
        const int cycle = r.chance(0.3) ? r.range(3, 10) : r.range(10, 60);
        const int n = r.range(1, max_visits);
        int day = -r.range(1, 120);
        std::vector<int> days;
        for (int v = 0; v < n && day > -365; ++v) {
            days.push_back(day);
            day -= std::max(1, cycle + r.range(-cycle / 3, cycle / 3));
        }
        for (auto it = days.rbegin(); it != days.rend(); ++it) {
            line.clear();
            line += id;
            line += ',' + store_id + ',' + add_days(*today, *it) + ' ' + two(r.range(10, 21)) +
                    ':' + two(r.range(0, 59)) + ',';
            line += std::to_string(r.range(20, 800)) + (r.chance(0.5) ? ".50" : "");
            line += ',';
            if (r.chance(0.5)) line += "R" + std::to_string(r.next() % 10000000000ull);
            line += '\n';
            visits << line;
            ++visit_rows;
        }
    }
    std::cout << members << " members in " << stores << " stores";
    if (visits) std::cout << ", " << visit_rows << " visits";
    std::cout << "\n";
    return 0;
}
