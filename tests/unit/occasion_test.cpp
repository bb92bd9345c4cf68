#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "core/member_write.h"
#include "core/occasion.h"
#include "core/planner.h"

using namespace huitou;

namespace {

Date ymd(int y, unsigned m, unsigned d) {
    return Date{date::year{y}, date::month{m}, date::day{d}};
}

Date plus(const Date& d, int days) {
    return Date{date::sys_days{d} + date::days{days}};
}

struct Fixture {
    Config config = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
festivals = ["mid_autumn", "double_ninth", "childrens_day", "mothers_day"]
card_expiry_days = [7, 1]
[stores.early]
name = "贝贝母婴"
lead_days = { birthday = 3, child_birthday = 7, festival = 2 }
festivals = ["mid_autumn"]
card_expiry_days = [30, 7, 1]
points_reminder_days = [30, 7, 1]
)",
                                 "t.toml");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& toyland = *config.find_store("toyland");
    const StoreConfig& early = *config.find_store("early");

    static Member member() {
        Member m;
        m.store = "toyland";
        m.id = "M001";
        m.name = "王芳";
        m.gender = Gender::female;
        m.phone = "+8613800138000";
        m.sms_optin = true;
        return m;
    }

    // Plans `m` day by day over [from, to] as the scheduler would — reading
    // the member only when one of the day's index sets names it, or on a
    // festival day — and returns each job id created with the day it was
    // created (a job id that exists is not created again).
    std::map<std::string, Date> plan_days(const Member& m, const StoreConfig& store, Date from,
                                          Date to) const {
        std::map<std::string, Date> created;
        const auto entries = member_index_entries(m);
        for (Date d = from; d <= to; d = plus(d, 1)) {
            const auto pd = planning_day(config, store, d);
            const bool read = pd.reads_all_members() ||
                              std::any_of(entries.begin(), entries.end(), [&](const IndexEntry& e) {
                                  return std::find(pd.index_sets.begin(), pd.index_sets.end(),
                                                   e.key) != pd.index_sets.end();
                              });
            for (const auto& o : occasions_for(m, pd, store)) {
                INFO(format_date(d) << " " << to_string(o.kind));
                CHECK(read);  // an occasion the indexes would have missed is a bug
                const auto decision = decide(m, o, d, store, templates, SysSeconds{});
                if (decision.job) created.emplace(decision.job->id, d);
            }
        }
        return created;
    }
};

using Created = std::map<std::string, Date>;

// The jobs of one kind ("card_expiry:").
Created only(const Created& created, const std::string& prefix) {
    Created out;
    for (const auto& [id, day] : created) {
        if (id.starts_with(prefix)) out.emplace(id, day);
    }
    return out;
}

}  // namespace

TEST_CASE_METHOD(Fixture, "a birthday is planned on the day, or lead days before it") {
    Member m = member();
    m.birthday = parse_birthday("1990-10-02");
    CHECK(only(plan_days(m, toyland, ymd(2027, 1, 1), ymd(2027, 12, 31)), "birthday:") ==
          Created{{"birthday:M001:2027-10-02", ymd(2027, 10, 2)}});
    SECTION("three days early, across the month's end; the occasion keeps its date") {
        CHECK(only(plan_days(m, early, ymd(2027, 1, 1), ymd(2027, 12, 31)), "birthday:") ==
              Created{{"birthday:M001:2027-10-02", ymd(2027, 9, 29)}});
        const auto pd = planning_day(config, early, ymd(2027, 9, 29));
        CHECK(std::find(pd.index_sets.begin(), pd.index_sets.end(), "bd:10-02") !=
              pd.index_sets.end());
        const auto occasions = occasions_for(m, pd, early);
        REQUIRE(occasions.size() == 1);
        CHECK(occasions[0].date == ymd(2027, 10, 2));
        CHECK(occasions[0].values.at("days_until") == "3");
        CHECK(occasions[0].values.at("age") == "37");
        const auto job = decide(m, occasions[0], ymd(2027, 9, 29), early, templates, SysSeconds{});
        REQUIRE(job.job);
        CHECK(job.job->occasion_date == ymd(2027, 10, 2));
        // Spread over the two hours after the send time (policy.spread_minutes).
        CHECK(job.job->due_at >= *parse_instant("2027-09-29T10:00:00+08:00"));
        CHECK(job.job->due_at < *parse_instant("2027-09-29T12:00:00+08:00"));
        CHECK(job.job->expires_at == *parse_instant("2027-09-30T00:00:00+08:00"));
        CHECK_THAT(job.job->text, Catch::Contains("提前祝您生日快乐"));
    }
    SECTION("a lunar birthday in a year that doubles its month, and one that does not") {
        m.birthday = parse_birthday("lunar:1990-leap05-10");
        CHECK(only(plan_days(m, toyland, ymd(2027, 1, 1), ymd(2028, 12, 31)), "birthday:") ==
              Created{{"birthday:M001:2027-06-14", ymd(2027, 6, 14)},
                      {"birthday:M001:2028-07-02", ymd(2028, 7, 2)}});
    }
    SECTION("29 February, in common and leap years, three days early") {
        m.birthday = parse_birthday("1996-02-29");
        CHECK(only(plan_days(m, early, ymd(2027, 1, 1), ymd(2028, 12, 31)), "birthday:") ==
              Created{{"birthday:M001:2027-02-28", ymd(2027, 2, 25)},
                      {"birthday:M001:2028-02-29", ymd(2028, 2, 26)}});
    }
}

TEST_CASE_METHOD(Fixture, "children's birthdays: one job per child, keyed by the child") {
    Member m = member();
    m.children = {Child{"小明", parse_birthday("2020-01-03"), Gender::male},
                  Child{"小红", parse_birthday("lunar:2021-08-15"), Gender::female},
                  Child{"小丽", std::nullopt, Gender::female}};
    const std::string ming = child_key(m.children[0]);
    const std::string hong = child_key(m.children[1]);
    CHECK(ming != hong);
    CHECK(ming.size() == 8);

    SECTION("on the day") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 1, 1), ymd(2027, 12, 31)), "child_birthday:") ==
              Created{{"child_birthday:M001:2027-01-03:" + ming, ymd(2027, 1, 3)},
                      {"child_birthday:M001:2027-09-15:" + hong, ymd(2027, 9, 15)}});
    }
    SECTION("a week early, across the year's end") {
        CHECK(only(plan_days(m, early, ymd(2027, 12, 1), ymd(2027, 12, 31)), "child_birthday:") ==
              Created{{"child_birthday:M001:2028-01-03:" + ming, ymd(2027, 12, 27)}});
        const auto pd = planning_day(config, early, ymd(2027, 12, 27));
        CHECK(std::find(pd.index_sets.begin(), pd.index_sets.end(), "cbd:01-03") !=
              pd.index_sets.end());
        const auto o = occasions_for(m, pd, early);
        REQUIRE(o.size() == 1);
        CHECK(o[0].kind == Kind::child_birthday);
        CHECK(o[0].date == ymd(2028, 1, 3));
        CHECK(o[0].values.at("child_name") == "小明");
        CHECK(o[0].values.at("child_age") == "8");
        CHECK(o[0].values.at("days_until") == "7");
        const auto job = decide(m, o[0], ymd(2027, 12, 27), early, templates, SysSeconds{});
        REQUIRE(job.job);
        CHECK(
            job.job->text ==
            "王女士，再过7天就是小明的8岁生日！贝贝母婴祝宝贝健康快乐，欢迎带宝贝来店领生日礼物。");
    }
    SECTION("the children in another order: the same keys") {
        Member reordered = m;
        std::reverse(reordered.children.begin(), reordered.children.end());
        CHECK(plan_days(reordered, toyland, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              plan_days(m, toyland, ymd(2027, 1, 1), ymd(2027, 12, 31)));
    }
}

TEST_CASE_METHOD(Fixture, "festivals reach their audience, on the day or lead days before") {
    const auto pd = planning_day(config, toyland, ymd(2027, 9, 15));
    REQUIRE(pd.festivals.size() == 1);
    CHECK(pd.festivals[0].festival->key == "mid_autumn");
    CHECK(pd.reads_all_members());
    CHECK_FALSE(planning_day(config, toyland, ymd(2027, 9, 16)).reads_all_members());

    Member m = member();  // a woman of unknown age, no children
    CHECK(plan_days(m, toyland, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
          Created{{"festival:M001:2027-09-15:mid_autumn", ymd(2027, 9, 15)}});
    const auto o = occasions_for(m, pd, toyland);
    REQUIRE(o.size() == 1);
    CHECK(o[0].template_name == "festival.mid_autumn");
    CHECK(o[0].values.at("festival") == "中秋节");
    CHECK(o[0].marketing);

    SECTION("重阳 for members 60 and over on the day; 儿童节 and 母亲节 for mothers") {
        const auto double_ninth = planning_day(config, toyland, ymd(2027, 10, 8));
        const auto festival = occasions_for(m, double_ninth, toyland).at(0);
        m.birthday = parse_birthday("1967-10-09");  // 60 the day after
        CHECK(decide(m, festival, ymd(2027, 10, 8), toyland, templates, SysSeconds{}).reason ==
              "not_in_audience");
        m.birthday = parse_birthday("1967-10-08");  // 60 that day (and a birthday too)
        CHECK(decide(m, festival, ymd(2027, 10, 8), toyland, templates, SysSeconds{}).job);
        m.birthday.reset();
        m.children = {Child{"小明", std::nullopt, Gender::male}};
        CHECK(plan_days(m, toyland, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              Created{{"festival:M001:2027-05-09:mothers_day", ymd(2027, 5, 9)},
                      {"festival:M001:2027-06-01:childrens_day", ymd(2027, 6, 1)},
                      {"festival:M001:2027-09-15:mid_autumn", ymd(2027, 9, 15)}});
        m.gender = Gender::male;  // a father: 儿童节, not 母亲节
        CHECK(plan_days(m, toyland, ymd(2027, 5, 1), ymd(2027, 6, 30)) ==
              Created{{"festival:M001:2027-06-01:childrens_day", ymd(2027, 6, 1)}});
    }
    SECTION("two days early") {
        CHECK(plan_days(m, early, ymd(2027, 1, 1), ymd(2027, 12, 31)) ==
              Created{{"festival:M001:2027-09-15:mid_autumn", ymd(2027, 9, 13)}});
    }
}

TEST_CASE_METHOD(Fixture, "card expiry: one reminder per step, a late import catches up once") {
    Member m = member();
    m.card_expires = ymd(2027, 9, 22);
    const std::string seven = "card_expiry:M001:2027-09-22:7";
    const std::string one = "card_expiry:M001:2027-09-22:1";

    SECTION("imported long before: each step on its day") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 1), ymd(2027, 9, 30)), "card_expiry:") ==
              Created{{seven, ymd(2027, 9, 15)}, {one, ymd(2027, 9, 21)}});
    }
    SECTION("imported 3 days before: one catch-up at once, the last step on its day") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 19), ymd(2027, 9, 30)), "card_expiry:") ==
              Created{{seven, ymd(2027, 9, 19)}, {one, ymd(2027, 9, 21)}});
    }
    SECTION("imported the day before, or on the day: the last step only") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 21), ymd(2027, 9, 30)), "card_expiry:") ==
              Created{{one, ymd(2027, 9, 21)}});
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 22), ymd(2027, 9, 30)), "card_expiry:") ==
              Created{{one, ymd(2027, 9, 22)}});
    }
    SECTION("a card that already lapsed gets nothing") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 23), ymd(2027, 12, 31)), "card_expiry:")
                  .empty());
    }
    SECTION("three steps, and the reminder's values") {
        CHECK(only(plan_days(m, early, ymd(2027, 8, 1), ymd(2027, 9, 30)), "card_expiry:") ==
              Created{{"card_expiry:M001:2027-09-22:30", ymd(2027, 8, 23)},
                      {seven, ymd(2027, 9, 15)},
                      {one, ymd(2027, 9, 21)}});
        const auto o = occasions_for(m, planning_day(config, early, ymd(2027, 9, 17)), early);
        REQUIRE(o.size() == 1);
        CHECK(o[0].kind == Kind::card_expiry);
        CHECK(o[0].detail == "7");
        CHECK(o[0].date == ymd(2027, 9, 22));
        CHECK_FALSE(o[0].marketing);  // a service notice
        CHECK(o[0].values.at("card_expires") == "2027年9月22日");
        CHECK(o[0].values.at("days_left") == "5");
        const auto job = decide(m, o[0], ymd(2027, 9, 17), early, templates, SysSeconds{});
        REQUIRE(job.job);
        CHECK_FALSE(job.job->marketing);
        CHECK(job.job->text ==
              "王女士，您在贝贝母婴的会员卡将于2027年9月22日到期，如需续卡，欢迎到店办理。");
    }
    SECTION("a renewed card starts over with its new date") {
        auto before =
            only(plan_days(m, toyland, ymd(2027, 9, 1), ymd(2027, 9, 16)), "card_expiry:");
        m.card_expires = ymd(2028, 9, 22);
        const auto after =
            only(plan_days(m, toyland, ymd(2027, 9, 17), ymd(2028, 9, 30)), "card_expiry:");
        before.insert(after.begin(), after.end());
        CHECK(before == Created{{seven, ymd(2027, 9, 15)},
                                {"card_expiry:M001:2028-09-22:7", ymd(2028, 9, 15)},
                                {"card_expiry:M001:2028-09-22:1", ymd(2028, 9, 21)}});
    }
    SECTION("a store without reminders reads no expiry index") {
        StoreConfig none = toyland;
        none.card_expiry_days.clear();
        CHECK(only(plan_days(m, none, ymd(2027, 9, 1), ymd(2027, 9, 30)), "card_expiry:").empty());
        for (const auto& key : planning_day(config, none, ymd(2027, 9, 15)).index_sets)
            CHECK_FALSE(key.starts_with("exp:"));
    }
}

TEST_CASE_METHOD(Fixture, "several occasions on one day: each its own job, in priority order") {
    Member m = member();
    m.birthday = parse_birthday("1990-09-15");
    m.card_expires = ymd(2027, 9, 16);
    m.children = {Child{"小红", parse_birthday("lunar:2021-08-15"), Gender::female}};
    const auto pd = planning_day(config, toyland, ymd(2027, 9, 15));
    const auto occasions = occasions_for(m, pd, toyland);
    std::vector<Kind> kinds;
    for (const auto& o : occasions)
        kinds.push_back(o.kind);
    CHECK(kinds == std::vector<Kind>{Kind::birthday, Kind::child_birthday, Kind::festival,
                                     Kind::card_expiry});
    CHECK(std::is_sorted(
        occasions.begin(), occasions.end(),
        [](const Occasion& a, const Occasion& b) { return a.priority < b.priority; }));
    // No delivery policy yet: four jobs.
    CHECK(plan_days(m, toyland, ymd(2027, 9, 15), ymd(2027, 9, 15)).size() == 4);
}

TEST_CASE_METHOD(Fixture, "no job without consent or channel, with the reason") {
    Member m = member();
    m.birthday = parse_birthday("1990-09-15");
    const auto pd = planning_day(config, toyland, ymd(2027, 9, 15));
    m.sms_optin = false;
    for (const auto& o : occasions_for(m, pd, toyland))
        CHECK(decide(m, o, pd.day, toyland, templates, SysSeconds{}).reason == "no_consent");
    m.phone.clear();
    for (const auto& o : occasions_for(m, pd, toyland))
        CHECK(decide(m, o, pd.day, toyland, templates, SysSeconds{}).reason == "no_channel");
}

TEST_CASE_METHOD(Fixture,
                 "points: a reminder per step before they lapse, a late import catches up once") {
    Member m = member();
    m.points = 1200;
    m.points_expire = ymd(2027, 9, 22);
    const std::string seven = "points:M001:2027-09-22:7";
    const std::string one = "points:M001:2027-09-22:1";
    const Date jan1 = ymd(2027, 1, 1), dec31 = ymd(2027, 12, 31);

    SECTION("imported long before: each step on its day, none after they lapse") {
        CHECK(only(plan_days(m, toyland, jan1, dec31), "points:") ==
              Created{{seven, ymd(2027, 9, 15)}, {one, ymd(2027, 9, 21)}});
    }
    SECTION("imported 3 days before: one catch-up at once, the last step on its day") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 19), dec31), "points:") ==
              Created{{seven, ymd(2027, 9, 19)}, {one, ymd(2027, 9, 21)}});
    }
    SECTION("imported on the last day: the last step; after it: nothing") {
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 22), dec31), "points:") ==
              Created{{one, ymd(2027, 9, 22)}});
        CHECK(only(plan_days(m, toyland, ymd(2027, 9, 23), dec31), "points:").empty());
    }
    SECTION("no points, or no date: no reminder and no index entry") {
        Member none = m;
        none.points = 0;
        CHECK(only(plan_days(none, toyland, jan1, dec31), "points:").empty());
        for (const auto& e : member_index_entries(none))
            CHECK_FALSE(e.key.starts_with("pts:"));
        Member undated = m;
        undated.points_expire.reset();
        CHECK(only(plan_days(undated, toyland, jan1, dec31), "points:").empty());
    }
    SECTION("the reminder: a service notice with the points and their date") {
        const auto o = occasions_for(m, planning_day(config, early, ymd(2027, 9, 17)), early);
        REQUIRE(o.size() == 1);
        CHECK(o[0].kind == Kind::points);
        CHECK(o[0].detail == "7");
        CHECK(o[0].date == ymd(2027, 9, 22));
        CHECK_FALSE(o[0].marketing);
        CHECK(o[0].priority == occasion_priority(Kind::card_expiry) + 1);
        const auto job = decide(m, o[0], ymd(2027, 9, 17), early, templates, SysSeconds{});
        REQUIRE(job.job);
        CHECK_FALSE(job.job->marketing);
        CHECK(job.job->text == "王女士，您有1200积分将于2027年9月22日到期，欢迎到贝贝母婴使用。");
    }
    SECTION("a store without points reminders reads no points index") {
        StoreConfig none = toyland;
        none.points_reminder_days.clear();
        CHECK(only(plan_days(m, none, jan1, dec31), "points:").empty());
        for (const auto& key : planning_day(config, none, ymd(2027, 9, 15)).index_sets)
            CHECK_FALSE(key.starts_with("pts:"));
    }
}

TEST_CASE_METHOD(Fixture, "points over a simulated year: generated members, some imported late") {
    // The expectation is computed here from the dates alone: each step's
    // reminder on its day when the member was there, else one catch-up on
    // the import day for the smallest step not yet passed.
    const StoreConfig& store = early;  // steps 30, 7, 1
    const Date jan1 = ymd(2027, 1, 1), dec31 = ymd(2027, 12, 31);
    std::uint32_t seed = 2027;
    auto next = [&seed](int n) {
        seed = seed * 1664525u + 1013904223u;
        return static_cast<int>((seed >> 8) % static_cast<std::uint32_t>(n));
    };
    std::size_t catch_ups = 0, regular = 0, with_none = 0;
    for (int i = 0; i < 120; ++i) {
        Member m = member();
        m.store = "early";
        m.id = "P" + std::to_string(100 + i);
        m.points = next(4) == 0 ? 0 : 1 + next(5000);
        m.points_expire = plus(jan1, next(400));
        const Date imported = next(3) == 0 ? plus(jan1, next(365)) : jan1;
        Created want;
        const int left_at_import =
            static_cast<int>((date::sys_days{*m.points_expire} - date::sys_days{imported}).count());
        if (m.points > 0 && left_at_import >= 0) {
            std::optional<int> catch_up;
            for (const int s : store.points_reminder_days) {
                if (s >= left_at_import) catch_up = s;  // the smallest such step
            }
            const std::string prefix = "points:" + m.id + ":" + format_date(*m.points_expire) + ":";
            for (const int s : store.points_reminder_days) {
                const Date on = plus(*m.points_expire, -s);
                if (on > dec31) continue;
                if (on >= imported) {
                    want.emplace(prefix + std::to_string(s), on);
                    ++regular;
                } else if (catch_up && s == *catch_up) {
                    want.emplace(prefix + std::to_string(s), imported);
                    ++catch_ups;
                }
            }
        }
        if (want.empty()) ++with_none;
        INFO(m.id << " points " << m.points << " expire " << format_date(*m.points_expire)
                  << " imported " << format_date(imported));
        CHECK(only(plan_days(m, store, imported, dec31), "points:") == want);
    }
    // The year held every case.
    CHECK(catch_ups > 3);
    CHECK(regular > 50);
    CHECK(with_none > 10);
}
