#include <catch2/catch.hpp>

#include <map>

#include "core/config.h"
#include "core/holdout.h"

using namespace huitou;

namespace {

Date ymd(int y, unsigned m, unsigned d) {
    return Date{date::year{y}, date::month{m}, date::day{d}};
}

Verdict planned(Kind kind, const std::string& member, const Date& occasion,
                const std::string& detail = {}) {
    Verdict v;
    v.kind = kind;
    Job job;
    job.store = "toyland";
    job.kind = kind;
    job.member_id = member;
    job.occasion_date = occasion;
    job.id = make_job_id(kind, member, occasion, detail);
    v.occasion_id = job.id;
    v.job = job;
    return v;
}

}  // namespace

TEST_CASE("a holdout period is what one message is about", "[holdout]") {
    CHECK(holdout_period(Kind::birthday, ymd(2027, 9, 15), "") == "2027");
    CHECK(holdout_period(Kind::child_birthday, ymd(2027, 9, 15), "1fcb5976") == "2027:1fcb5976");
    CHECK(holdout_period(Kind::festival, ymd(2027, 9, 15), "mid_autumn") ==
          "2027-09-15:mid_autumn");
    // Every reminder of one card, of one absence: one period.
    CHECK(holdout_period(Kind::card_expiry, ymd(2027, 9, 22), "7") ==
          holdout_period(Kind::card_expiry, ymd(2027, 9, 22), "1"));
    CHECK(holdout_period(Kind::winback, ymd(2027, 8, 1), "1") ==
          holdout_period(Kind::winback, ymd(2027, 8, 1), "3"));
    CHECK(job_id_detail("festival:M1:2027-09-15:mid_autumn") == "mid_autumn");
    CHECK(job_id_detail("birthday:M1:2027-09-15").empty());
}

TEST_CASE("a holdout draw is fixed by store, member, kind and period, and uniform", "[holdout]") {
    const double d = holdout_draw("toyland", "M1", Kind::festival, "2027-09-15:mid_autumn");
    CHECK(d == holdout_draw("toyland", "M1", Kind::festival, "2027-09-15:mid_autumn"));
    CHECK(d != holdout_draw("babycare", "M1", Kind::festival, "2027-09-15:mid_autumn"));
    CHECK(d != holdout_draw("toyland", "M2", Kind::festival, "2027-09-15:mid_autumn"));
    CHECK(d != holdout_draw("toyland", "M1", Kind::winback, "2027-09-15:mid_autumn"));
    CHECK(d != holdout_draw("toyland", "M1", Kind::festival, "2028-10-03:mid_autumn"));
    // Parts do not run into each other: ("ab", "c") is not ("a", "bc").
    CHECK(holdout_draw("ab", "c", Kind::birthday, "2027") !=
          holdout_draw("a", "bc", Kind::birthday, "2027"));
    // A fixed value: a change of the hash would regroup every member of every store.
    CHECK(holdout_draw("toyland", "T0001", Kind::festival, "2027-09-15:mid_autumn") ==
          Approx(0.8273).margin(0.0001));
    // Uniform over sequential member ids: each tenth of [0, 1) gets about a tenth.
    std::map<int, int> deciles;
    for (int i = 0; i < 20000; ++i) {
        const double x = holdout_draw("toyland", "M" + std::to_string(i), Kind::festival, "p");
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
        ++deciles[static_cast<int>(x * 10)];
    }
    for (const auto& [decile, n] : deciles) {
        INFO("decile " << decile);
        CHECK(n > 1800);
        CHECK(n < 2200);
    }
}

TEST_CASE("the holdout rule: the share, a replan's same answer, never twice running",
          "[holdout]") {
    CHECK_FALSE(is_held_out(0.0, 0.0, "2027", std::nullopt));
    // The share itself: never more held out than it says.
    CHECK(is_held_out(0.1, 0.0999, "2027", std::nullopt));
    CHECK_FALSE(is_held_out(0.1, 0.1, "2027", std::nullopt));
    // Held out last time: not now, whatever the draw.
    CHECK_FALSE(is_held_out(0.5, 0.0, "2028", HoldoutRecord{"2027", true}));
    // Messaged after a hold: free again.
    CHECK(is_held_out(0.5, 0.0, "2029", HoldoutRecord{"2028", false}));
    // The record of this very period keeps its answer, whatever the draw.
    CHECK(is_held_out(0.1, 0.99, "2027", HoldoutRecord{"2027", true}));
    CHECK_FALSE(is_held_out(0.1, 0.0, "2028", HoldoutRecord{"2028", false}));

    // What is recorded: a hold; a message right after a hold; nothing else.
    CHECK(holdout_record_after(true, "2027", std::nullopt) == HoldoutRecord{"2027", true});
    CHECK(holdout_record_after(false, "2028", HoldoutRecord{"2027", true}) ==
          HoldoutRecord{"2028", false});
    CHECK_FALSE(holdout_record_after(false, "2028", std::nullopt));
    CHECK_FALSE(holdout_record_after(false, "2029", HoldoutRecord{"2028", false}));
    CHECK(format_holdout_record({"2027-09-15:mid_autumn", true}) == "2027-09-15:mid_autumn h");
    CHECK(parse_holdout_record("2027-09-15:mid_autumn m") ==
          HoldoutRecord{"2027-09-15:mid_autumn", false});
    CHECK_FALSE(parse_holdout_record("2027 x"));
    CHECK_FALSE(parse_holdout_record("h"));
}

TEST_CASE("a planned message to a member chosen for the holdout becomes a held job",
          "[holdout]") {
    EffectConfig effect;
    effect.holdout[Kind::festival] = 0.5;
    // M1's draws for 中秋 and 重阳 2027 are both under 0.5, but they were held out of 中秋.
    REQUIRE(holdout_draw("toyland", "M1", Kind::festival, "2027-09-15:mid_autumn") < 0.5);
    REQUIRE(holdout_draw("toyland", "M1", Kind::festival, "2027-10-08:double_ninth") < 0.5);
    auto v = planned(Kind::festival, "M1", ymd(2027, 9, 15), "mid_autumn");
    apply_holdout(v, "toyland", effect, std::nullopt);
    REQUIRE(v.job);
    CHECK(v.job->state == JobState::held);
    CHECK(v.job->error == "holdout");
    CHECK(v.reason == "holdout");
    CHECK(v.job->holdout_record == "2027-09-15:mid_autumn h");

    auto next = planned(Kind::festival, "M1", ymd(2027, 10, 8), "double_ninth");
    apply_holdout(next, "toyland", effect, parse_holdout_record(v.job->holdout_record));
    CHECK(next.job->state == JobState::planned);
    CHECK(next.reason.empty());
    CHECK(next.job->holdout_record == "2027-10-08:double_ninth m");

    // A kind without a share is never held and records nothing.
    auto birthday = planned(Kind::birthday, "M1", ymd(2027, 9, 15));
    apply_holdout(birthday, "toyland", effect, std::nullopt);
    CHECK(birthday.job->state == JobState::planned);
    CHECK(birthday.job->holdout_record.empty());

    // A verdict without a message is left alone.
    Verdict none;
    none.kind = Kind::festival;
    none.reason = "no_consent";
    apply_holdout(none, "toyland", effect, std::nullopt);
    CHECK(none.reason == "no_consent");
}

TEST_CASE("[effect] settings: defaults, overrides per store, and errors naming the key",
          "[holdout]") {
    const auto c = parse_config(R"(
[store_defaults.effect]
holdout = { birthday = 0.05 }
[stores.toyland]
name = "童乐玩具"
[stores.toyland.effect]
holdout = { festival = 0.2 }
window_days = { festival = 10 }
sms_part_price = 0.045
min_group_size = 50
[stores.babycare]
name = "贝贝母婴"
)",
                                "effect.toml");
    const auto& toyland = c.find_store("toyland")->effect;
    CHECK(toyland.holdout_share(Kind::festival) == 0.2);
    CHECK(toyland.holdout_share(Kind::birthday) == 0.05);
    CHECK(toyland.holdout_share(Kind::winback) == 0.1);
    CHECK(toyland.window_days.at(Kind::festival) == 10);
    CHECK(toyland.window_days.at(Kind::birthday) == 30);
    CHECK(toyland.sms_part_price == 0.045);
    CHECK(toyland.min_group_size == 50);
    const auto& babycare = c.find_store("babycare")->effect;
    CHECK(babycare.holdout_share(Kind::festival) == 0.1);
    CHECK(babycare.holdout_share(Kind::birthday) == 0.05);
    CHECK(babycare.holdout_share(Kind::card_expiry) == 0.0);

    auto error_of = [](const std::string& toml) {
        try {
            parse_config("[stores.s]\nname = \"店\"\n" + toml, "effect.toml");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(error_of("[stores.s.effect]\nholdout = { festival = 0.6 }\n"),
               Catch::Contains("stores.s.effect.holdout.festival: must be between 0 and 0.5"));
    CHECK_THAT(error_of("[stores.s.effect]\nholdout = { festivals = 0.1 }\n"),
               Catch::Contains("holdout.festivals: unknown kind"));
    CHECK_THAT(error_of("[stores.s.effect]\nholdout = { festival = \"10%\" }\n"),
               Catch::Contains("holdout.festival: expected a share"));
    CHECK_THAT(error_of("[stores.s.effect]\nwindow_days = { card_expiry = 9 }\n"),
               Catch::Contains("card_expiry_grace_days"));
    CHECK_THAT(error_of("[stores.s.effect]\nwindow_days = { winback = 0 }\n"),
               Catch::Contains("window_days.winback: must be between 1 and 365"));
    CHECK_THAT(error_of("[stores.s.effect]\nkeep_day = 30\n"),
               Catch::Contains("stores.s.effect.keep_day: unknown key"));
}
