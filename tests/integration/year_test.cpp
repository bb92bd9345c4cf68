// A whole year planned day by day, on a real Redis, with a fixed clock moved
// by hand: a few hundred generated members (solar and lunar birthdays, leap
// months, 30ths, 29 February, children, cards expiring, members imported late
// or changed mid-year) in two stores, one with lead days. The jobs the
// scheduler creates must be exactly the greetings and reminders due, created
// on the right days. The expectation is computed here, independently: each
// member's occasions forward from their dates (the lunar calendar's months,
// not the planner's index keys), festival dates as published for 2027, and
// the card-expiry steps from the import day.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/lunar_calendar.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

Date ymd(int y, unsigned m, unsigned d) {
    return Date{date::year{y}, date::month{m}, date::day{d}};
}
Date plus(const Date& d, int n) {
    return Date{date::sys_days{d} + date::days{n}};
}
int days_between(const Date& a, const Date& b) {
    return static_cast<int>((date::sys_days{b} - date::sys_days{a}).count());
}

Config year_config() {
    return parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
# This test is about the calendar: every occasion planned on its day. The
# delivery policy's caps and cooldowns are off (its own tests and the
# 60-day simulation cover them); merging stays, and is accounted for below.
[store_defaults.policy]
max_per_day = 10
max_per_week = 70
max_per_30_days = 300
cooldown_days = {}
notices_need_optin = true
[stores.toyland]
name = "童乐玩具"
festivals = ["new_years_eve", "spring_festival", "womens_day", "mothers_day", "childrens_day",
             "dragon_boat", "fathers_day", "mid_autumn", "double_ninth"]
card_expiry_days = [7, 1]
[stores.babycare]
name = "贝贝母婴"
festivals = ["qingming", "childrens_day", "mid_autumn", "christmas"]
lead_days = { birthday = 2, child_birthday = 7, festival = 1 }
card_expiry_days = [30, 7, 1]
)",
                        "year.toml");
}

// Festival days as published (State Council, HKO), not computed.
struct FestivalFact {
    std::string key;
    Date day;
    std::string audience;  // all, women, mother, father, with_child, age_60_plus
};

// The year planned: 2027 (no leap month) or 2028 (a leap 5th month).
struct Year {
    int year;
    Date first, last;
    std::vector<FestivalFact> festivals;
    std::string sixtieth;  // a solar birth date whose 60th birthday is 重阳
};

Year year_facts(int year) {
    Year y{year, ymd(year, 1, 1), ymd(year, 12, 31), {}, {}};
    if (year == 2027) {
        y.festivals = {
            {"new_years_eve", ymd(2027, 2, 5), "all"},
            {"spring_festival", ymd(2027, 2, 6), "all"},
            {"womens_day", ymd(2027, 3, 8), "women"},
            {"qingming", ymd(2027, 4, 5), "all"},
            {"mothers_day", ymd(2027, 5, 9), "mother"},
            {"childrens_day", ymd(2027, 6, 1), "with_child"},
            {"dragon_boat", ymd(2027, 6, 9), "all"},
            {"fathers_day", ymd(2027, 6, 20), "father"},
            {"mid_autumn", ymd(2027, 9, 15), "all"},
            {"double_ninth", ymd(2027, 10, 8), "age_60_plus"},
            {"christmas", ymd(2027, 12, 25), "all"},
        };
        y.sixtieth = "1967-10-08";
    } else {
        y.festivals = {
            {"new_years_eve", ymd(2028, 1, 25), "all"},
            {"spring_festival", ymd(2028, 1, 26), "all"},
            {"womens_day", ymd(2028, 3, 8), "women"},
            {"qingming", ymd(2028, 4, 4), "all"},
            {"mothers_day", ymd(2028, 5, 14), "mother"},
            {"dragon_boat", ymd(2028, 5, 28), "all"},
            {"childrens_day", ymd(2028, 6, 1), "with_child"},
            {"fathers_day", ymd(2028, 6, 18), "father"},
            {"mid_autumn", ymd(2028, 10, 3), "all"},
            {"double_ninth", ymd(2028, 10, 26), "age_60_plus"},
            {"christmas", ymd(2028, 12, 25), "all"},
        };
        y.sixtieth = "1968-10-26";
    }
    return y;
}

// One state of a member, from `from` on.
struct Version {
    Date from;
    FieldMap fields;
};

struct GeneratedMember {
    std::string store;
    std::string id;
    std::vector<Version> versions;  // the first is the import

    const FieldMap* on(const Date& day) const {
        const FieldMap* current = nullptr;
        for (const auto& v : versions) {
            if (v.from <= day) current = &v.fields;
        }
        return current;
    }
};

// The days in [from, to] on which `b` is kept, worked forward from its
// calendar: each year's date, 29 Feb → 28 Feb, a missing 30th → the 29th,
// the leap month only in years that have it.
std::vector<Date> kept_days(const Birthday& b, const Date& from, const Date& to) {
    std::vector<Date> days;
    const int y0 = static_cast<int>(from.year());
    const int y1 = static_cast<int>(to.year());
    for (int y = y0 - 2; y <= y1 + 1; ++y) {
        if (b.year && y <= *b.year) continue;
        Date d;
        if (!b.lunar) {
            const bool feb29 = b.month == 2 && b.day == 29;
            d = feb29 && !date::year{y}.is_leap() ? ymd(y, 2, 28) : ymd(y, b.month, b.day);
        } else {
            const int m = static_cast<int>(b.month);
            const bool leap = b.leap && leap_month(y) == m;
            const int length = month_length(y, m, leap);
            if (length == 0) continue;
            const auto solar = to_solar({y, m, leap, std::min(static_cast<int>(b.day), length)});
            if (!solar) continue;
            d = *solar;
        }
        if (from <= d && d <= to) days.push_back(d);
    }
    return days;
}

// Years completed on `day` for a solar birthday (the only kind the test gives
// members near 60).
std::optional<int> solar_age(const Birthday& b, const Date& day) {
    if (b.lunar) {
        // Lunar birth years are generated away from the 60 boundary.
        return b.year ? std::optional<int>(static_cast<int>(day.year()) - *b.year) : std::nullopt;
    }
    if (!b.year) return std::nullopt;
    int age = static_cast<int>(day.year()) - *b.year;
    const unsigned md = static_cast<unsigned>(day.month()) * 100 + static_cast<unsigned>(day.day());
    unsigned bmd = b.month * 100 + b.day;
    if (bmd == 229 && !day.year().is_leap()) bmd = 228;
    if (md < bmd) --age;
    return age;
}

class Generator {
  public:
    Generator(unsigned seed, const Year& year) : rng_(seed), year_(year) {}

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(int percent) { return uniform(1, 100) <= percent; }

    std::string solar_birthday(int y0, int y1) {
        if (chance(4)) {
            static const int leap_years[] = {1960, 1964, 1976, 1988, 1996, 2000, 2012, 2016, 2020};
            return std::to_string(leap_years[uniform(0, 8)]) + "-02-29";
        }
        const int y = uniform(y0, y1);
        const unsigned m = static_cast<unsigned>(uniform(1, 12));
        const unsigned last =
            static_cast<unsigned>((date::year{y} / date::month{m} / date::last).day());
        const Date d = ymd(y, m, static_cast<unsigned>(uniform(1, static_cast<int>(last))));
        return chance(15) ? "--" + format_date(d).substr(5) : format_date(d);
    }

    std::string lunar_birthday(int y0, int y1) {
        int y = uniform(y0, y1);
        int m = uniform(1, 12);
        bool leap = false;
        if (chance(15)) {
            // A leap-month birth: a year that has one.
            while (leap_month(y) == 0)
                y = uniform(y0, y1);
            m = leap_month(y);
            leap = true;
        }
        const int length = month_length(y, m, leap);
        const int d = chance(25) ? length : uniform(1, length);
        std::string text = format_lunar({y, m, leap, d});
        if (chance(15)) text = "lunar:--" + text.substr(11);  // year unknown
        return text;
    }

    std::string birthday(int y0, int y1) {
        const int kind = uniform(1, 100);
        if (kind <= 45) return solar_birthday(y0, y1);
        if (kind <= 85) return lunar_birthday(y0, y1);
        return {};
    }

    // An adult: away from the 60th birthday in the year of 重阳, unless solar.
    std::string adult_birthday() {
        if (chance(10)) {  // 60 the day before 重阳, on it, or the day after
            return format_date(plus(*parse_date(year_.sixtieth), uniform(-1, 1)));
        }
        const int kind = uniform(1, 100);
        if (kind <= 40) return solar_birthday(1940, 2005);
        if (kind <= 85) {
            return chance(30) ? lunar_birthday(1940, 1964) : lunar_birthday(1970, 2005);
        }
        return {};
    }

    FieldMap member(const std::string& id) {
        FieldMap f;
        f["name"] = "会员" + id;
        const int g = uniform(1, 10);
        if (g <= 6) f["gender"] = "F";
        if (g >= 7 && g <= 9) f["gender"] = "M";
        if (auto b = adult_birthday(); !b.empty()) f["birthday"] = b;
        f["phone"] = "+86138" + std::to_string(10000000 + uniform(0, 89999999));
        f["sms_optin"] = chance(92) ? "1" : "0";
        if (chance(40)) {
            f["openid"] = "oTEST_" + id;
            f["wechat_optin"] = chance(80) ? "1" : "0";
            // Greetings on WeChat are subscription notices.
            if (f["wechat_optin"] == "1") f.insert_or_assign("wechat_sub", std::string("1"));
        } else {
            f["wechat_optin"] = "0";
        }
        if (chance(55)) {
            f["card_expires"] = format_date(plus(ymd(year_.year - 1, 12, 1), uniform(0, 455)));
        }
        const int children = chance(45) ? uniform(1, 3) : 0;
        std::vector<Child> kids;
        for (int i = 0; i < children; ++i) {
            Child c;
            c.name = "宝贝" + std::to_string(i + 1) + "号";
            if (!chance(10)) c.birthday = parse_birthday(birthday(2008, year_.year));
            kids.push_back(c);
        }
        if (!kids.empty()) f["children"] = encode_children(kids);
        return f;
    }

  private:
    std::mt19937 rng_;
    const Year& year_;
};

// The expected jobs: store → job id → the day it is created.
using Expected = std::map<std::string, std::map<std::string, Date>>;

bool reachable(const FieldMap& f) {
    auto get = [&](const char* k) {
        const auto it = f.find(k);
        return it == f.end() ? std::string{} : it->second;
    };
    return (!get("openid").empty() && get("wechat_optin") == "1") ||
           (!get("phone").empty() && get("sms_optin") == "1");
}

Expected expected_jobs(const Config& config, const Year& year,
                       const std::vector<GeneratedMember>& members) {
    const Date kFirst = year.first;
    const Date kLast = year.last;
    Expected out;
    for (const auto& gm : members) {
        const StoreConfig& store = *config.find_store(gm.store);
        const auto& lead = store.lead_days;
        const Date first = std::max(kFirst, gm.versions.front().from);
        auto& jobs = out[gm.store];
        // A greeting for `occasion` goes out `lead` days before, if the member
        // as they were that day is due it.
        auto greet = [&](const std::string& id, const Date& planned) {
            if (planned < first || planned > kLast) return;
            jobs.emplace(id, planned);
        };
        // Birthdays and children's birthdays: every version's occasions, kept
        // only when that version is the one in effect on the planning day.
        for (const auto& v : gm.versions) {
            if (!reachable(v.fields)) continue;
            const Date window_to = plus(kLast, 10);
            if (const auto it = v.fields.find("birthday"); it != v.fields.end()) {
                const auto b = *parse_birthday(it->second);
                for (const auto& day : kept_days(b, plus(kFirst, -10), window_to)) {
                    const Date planned = plus(day, -lead.birthday);
                    if (gm.on(planned) == &v.fields)
                        greet("birthday:" + gm.id + ":" + format_date(day), planned);
                }
            }
            if (const auto it = v.fields.find("children"); it != v.fields.end()) {
                for (const auto& child : decode_children(it->second)) {
                    if (!child.birthday) continue;
                    for (const auto& day :
                         kept_days(*child.birthday, plus(kFirst, -10), window_to)) {
                        const Date planned = plus(day, -lead.child_birthday);
                        if (gm.on(planned) == &v.fields) {
                            greet("child_birthday:" + gm.id + ":" + format_date(day) + ":" +
                                      child_key(child),
                                  planned);
                        }
                    }
                }
            }
        }
        for (const auto& f : year.festivals) {
            if (std::find(store.festivals.begin(), store.festivals.end(), f.key) ==
                store.festivals.end()) {
                continue;
            }
            const Date planned = plus(f.day, -lead.festival);
            const FieldMap* fields = gm.on(planned);
            if (!fields || !reachable(*fields)) continue;
            const auto gender = fields->contains("gender") ? fields->at("gender") : "";
            const bool with_child = fields->contains("children");
            bool in = f.audience == "all";
            if (f.audience == "women") in = gender == "F";
            if (f.audience == "mother") in = gender == "F" && with_child;
            if (f.audience == "father") in = gender == "M" && with_child;
            if (f.audience == "with_child") in = with_child;
            if (f.audience == "age_60_plus" && fields->contains("birthday")) {
                const auto age = solar_age(*parse_birthday(fields->at("birthday")), f.day);
                in = age && *age >= 60;
            }
            if (in) greet("festival:" + gm.id + ":" + format_date(f.day) + ":" + f.key, planned);
        }
        // Card expiry: cards do not change in this test; reminders start on
        // the first day the member is planned.
        const FieldMap& fields = gm.versions.front().fields;
        if (fields.contains("card_expires") && reachable(fields)) {
            const Date expires = *parse_date(fields.at("card_expires"));
            const auto& steps = store.card_expiry_days;  // descending
            const int left_at_first = days_between(first, expires);
            if (left_at_first < 0) continue;
            std::optional<int> catch_up;
            for (const int s : steps) {
                if (s >= left_at_first) catch_up = s;  // ends as the smallest such step
            }
            const std::string prefix = "card_expiry:" + gm.id + ":" + format_date(expires) + ":";
            for (const int s : steps) {
                const Date regular = plus(expires, -s);
                if (regular >= first)
                    greet(prefix + std::to_string(s), regular);
                else if (catch_up && s == *catch_up)
                    greet(prefix + std::to_string(s), first);
            }
        }
    }
    return out;
}

MemberRecord record_of(const GeneratedMember& gm, const FieldMap& fields,
                       const FieldMap* previous) {
    MemberRecord r{gm.store, gm.id, fields, {}};
    if (previous) {
        for (const auto& [k, v] : *previous) {
            if (!fields.contains(k)) r.clear.push_back(k);
        }
    }
    return r;
}

}  // namespace

TEST_CASE("a year planned day by day gives every member exactly the greetings due") {
    const Year year = year_facts(GENERATE(2027, 2028));
    const Date kFirst = year.first;
    const Date kLast = year.last;
    INFO("year " << year.year);
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::warn);
    const Config config = year_config();
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    TestRedis server;
    RedisConnection redis = server.connect();
    zmq::context_t zmq;
    FixedClock clock{start_of_day(kFirst, config.find_store("toyland")->zone)};
    Scheduler scheduler(config, templates, redis, zmq, clock);

    // The members: most imported before the year, some during it, some
    // changed mid-year (a corrected birthday, children listed in another order).
    Generator gen(20270915, year);
    std::vector<GeneratedMember> members;
    for (const char* store : {"toyland", "babycare"}) {
        for (int i = 0; i < 180; ++i) {
            GeneratedMember gm{
                store, std::string(store).substr(0, 1) + std::to_string(1000 + i), {}};
            const bool late = gen.chance(12);
            const Date from = late ? plus(kFirst, gen.uniform(1, 364)) : plus(kFirst, -1);
            gm.versions.push_back({from, gen.member(gm.id)});
            if (!late && gen.chance(8)) {
                FieldMap changed = gm.versions[0].fields;
                changed["birthday"] = gen.solar_birthday(1950, 2000);
                if (changed.contains("children")) {
                    auto kids = decode_children(changed.at("children"));
                    std::reverse(kids.begin(), kids.end());
                    changed["children"] = encode_children(kids);
                }
                gm.versions.push_back({plus(kFirst, gen.uniform(30, 330)), changed});
            }
            members.push_back(std::move(gm));
        }
    }
    const Expected expected = expected_jobs(config, year, members);

    MemberStore store(redis);
    auto import_on = [&](const Date& day) {
        std::vector<MemberRecord> records;
        for (const auto& gm : members) {
            for (std::size_t v = 0; v < gm.versions.size(); ++v) {
                if (gm.versions[v].from != day) continue;
                records.push_back(record_of(gm, gm.versions[v].fields,
                                            v == 0 ? nullptr : &gm.versions[v - 1].fields));
            }
        }
        if (!records.empty()) store.upsert(records);
    };
    import_on(plus(kFirst, -1));

    std::map<std::string, std::size_t> occasions;
    std::size_t members_read = 0;
    for (Date day = kFirst; day <= kLast; day = plus(day, 1)) {
        import_on(day);
        for (const auto& [id, s] : config.stores) {
            clock.set(local_instant(day, std::chrono::seconds(30), s.zone));
            const auto report = scheduler.plan_day(s, day);
            members_read += report.members_read;
            for (const auto& [kind, n] : report.occasions)
                occasions[kind] += n;
            // Planning a day again (a restart, a crash) creates nothing twice.
            if (static_cast<unsigned>(day.day()) % 7 == 0) {
                const auto again = scheduler.plan_day(s, day);
                CHECK(again.created == 0);
                CHECK(again.candidates == report.candidates);
            }
        }
    }

    // What Redis holds: every job, by store.
    std::map<std::string, std::map<std::string, Job>> actual;
    JobStore jobs(redis, config.scheduler);
    for (const auto& [id, s] : config.stores) {
        std::string cursor = "0";
        do {
            const auto reply = redis.command(
                {"SCAN", cursor, "MATCH", keys::job_prefix(only_shard(id)) + "*", "COUNT", "1000"});
            cursor = reply.elements[0].str;
            for (const auto& key : reply.elements[1].elements) {
                const auto job_id = key.str.substr(keys::job_prefix(only_shard(id)).size());
                const auto job = jobs.get(id, job_id);
                REQUIRE(job);
                actual[id].emplace(job_id, *job);
            }
        } while (cursor != "0");
    }

    std::size_t total = 0;
    std::map<std::string, std::size_t> by_kind;
    for (const auto& [id, s] : config.stores) {
        const auto& want = expected.count(id) ? expected.at(id) : std::map<std::string, Date>{};
        const auto& got = actual[id];
        std::vector<std::string> missing, extra, wrong_day;
        // A lower occasion merged into a higher one of the same member and
        // day (one greeting naming both) has no job of its own.
        std::set<std::string> merged;
        for (const auto& [job_id, job] : got) {
            const auto m = job.params.find("merged");
            if (m == job.params.end()) continue;
            std::istringstream ids(m->second);
            for (std::string one; ids >> one;)
                merged.insert(one);
        }
        std::size_t merged_count = 0;
        for (const auto& [job_id, day] : want) {
            const auto it = got.find(job_id);
            if (it == got.end()) {
                if (merged.contains(job_id)) {
                    ++merged_count;
                    continue;
                }
                missing.push_back(job_id + " (due " + format_date(day) + ")");
                continue;
            }
            const Job& job = it->second;
            if (local_date(job.due_at, s.zone) != day) {
                wrong_day.push_back(job_id + " due " + format_date(local_date(job.due_at, s.zone)) +
                                    ", expected " + format_date(day));
            }
            CHECK(job.marketing == (job.kind != Kind::card_expiry));
            CHECK_FALSE(job.text.empty());
            CHECK(job.text.find("{{") == std::string::npos);
            CHECK(job.id.starts_with(to_string(job.kind)));
        }
        for (const auto& [job_id, job] : got) {
            if (!want.contains(job_id)) extra.push_back(job_id);
            ++by_kind[std::string(to_string(job.kind))];
        }
        total += got.size();
        INFO("store " << id << " (" << merged_count << " merged)");
        auto show = [](const std::vector<std::string>& list) {
            std::string out;
            for (std::size_t i = 0; i < list.size() && i < 15; ++i)
                out += "\n  " + list[i];
            return out;
        };
        INFO("missing:" << show(missing));
        INFO("unexpected:" << show(extra));
        INFO("on the wrong day:" << show(wrong_day));
        CHECK(missing.empty());
        CHECK(extra.empty());
        CHECK(wrong_day.empty());
    }
    // The year exercised every kind, and lead days crossed into 2028.
    CHECK(by_kind["birthday"] > 100);
    CHECK(by_kind["child_birthday"] > 50);
    CHECK(by_kind["festival"] > 500);
    CHECK(by_kind["card_expiry"] > 100);
    CHECK(std::any_of(actual["babycare"].begin(), actual["babycare"].end(),
                      [&](const auto& entry) { return entry.second.occasion_date > kLast; }));
    WARN("planned " << total << " jobs (birthday " << by_kind["birthday"] << ", child_birthday "
                    << by_kind["child_birthday"] << ", festival " << by_kind["festival"]
                    << ", card_expiry " << by_kind["card_expiry"] << ") from " << members.size()
                    << " members; " << members_read << " member reads over 730 store-days");

    spdlog::set_level(level);
}
