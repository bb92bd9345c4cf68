#include <catch2/catch.hpp>

#include "core/sms_template_check.h"

using namespace huitou;

namespace {

TemplateSet templates_with(const Config& config, std::string birthday) {
    return TemplateSet::load(config,
                             [birthday](const std::string& path) -> std::optional<std::string> {
                                 if (path == "zh-CN/birthday.mustache") return birthday;
                                 return std::nullopt;
                             });
}

Config config_with(const std::string& extra) {
    auto c = parse_config(
        "[templates]\ndir = \"t\"\n[stores.toyland]\nname = \"童乐玩具\"\n" + extra, "t.toml");
    return c;
}

// The problems of the birthday template alone: the test replaces only that one.
std::vector<std::string> birthday_problems(const Config& c, const TemplateSet& t) {
    std::vector<std::string> out;
    for (auto& p : check_sms_templates(c, t)) {
        if (p.find("birthday by SMS") != std::string::npos &&
            p.find("child_birthday") == std::string::npos) {
            out.push_back(p);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("the embedded templates pass the default checks") {
    const Config c = parse_config(default_config_text(), "embedded");
    CHECK(check_sms_templates(c, TemplateSet::load(c, nullptr)).empty());
}

TEST_CASE("a template that can render past the store's part limit is refused, by name") {
    // 【童乐玩具】(6) + 50 (honorific at its bound) + "，童乐玩具祝您生日快乐！" (12)
    // + 回TD退订 (5) = 73 > 70: two parts.
    const std::string body = "{{honorific}}，童乐玩具祝您生日快乐！";
    SECTION("fits in one part with room") {
        const Config c = config_with("sms_max_parts = 1\n");
        const auto problems = birthday_problems(c, templates_with(c, "{{store}}祝您生日快乐"));
        CHECK(problems.empty());
    }
    SECTION("a name at its bound pushes it to two parts: refused at one") {
        const Config c = config_with("sms_max_parts = 1\n");
        const auto problems = birthday_problems(c, templates_with(c, body));
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Catch::Contains("t/zh-CN/birthday.mustache") &&
                                    Catch::Contains("store toyland") &&
                                    Catch::Contains("2 SMS parts") &&
                                    Catch::Contains("sms_max_parts = 1"));
        CHECK(
            birthday_problems(config_with("sms_max_parts = 2\n"), templates_with(c, body)).empty());
    }
    SECTION("an optional section counts when it is on") {
        // 6 + 22 + 5 = 33 without the tier; + 3 + 32 + 4 with it: 72 > 70.
        const Config c = config_with("sms_max_parts = 1\n");
        const std::string text =
            "一二三四五六七八九十一二三四五六七八九十一二{{#tier}}尊贵的{{tier}}会员您好{{/tier}}";
        CHECK(birthday_problems(c, templates_with(c, text)).size() == 1);
        CHECK(
            birthday_problems(c, templates_with(c, "一二三四五六七八九十一二三四五六七八九十一二"))
                .empty());
    }
    SECTION("a service notice carries no unsubscribe suffix") {
        CHECK(sms_purpose(Kind::card_expiry) == SmsPurpose::notice);
        CHECK(sms_purpose(Kind::birthday) == SmsPurpose::marketing);
        CHECK(sms_purpose(Kind::winback) == SmsPurpose::marketing);
    }
}

TEST_CASE("a template holding a word its provider bans is refused, by name") {
    const Config c = config_with("[sms]\nprovider = \"tencent\"\n");
    const auto problems =
        birthday_problems(c, templates_with(c, "{{honorific}}，欢迎来会所做美容"));
    REQUIRE(problems.size() == 2);
    CHECK_THAT(problems[0], Catch::Contains("birthday.mustache") && Catch::Contains("\"美容\"") &&
                                Catch::Contains("tencent SMS provider refuses"));
    CHECK_THAT(problems[1], Catch::Contains("\"会所\""));
    // The same template through a provider without a list passes.
    const Config kannel = config_with("[sms]\nprovider = \"kannel\"\n");
    CHECK(birthday_problems(kannel, templates_with(kannel, "{{honorific}}，欢迎来会所做美容"))
              .empty());
    // A variable value can neither form nor hide a banned word in the check.
    CHECK(birthday_problems(c, templates_with(c, "美{{store}}容")).empty());
}

TEST_CASE("variable bounds") {
    const Config c = config_with("");
    const auto& store = *c.find_store("toyland");
    CHECK(sms_variable_bound("store", store, c) == 4);
    CHECK(sms_variable_bound("honorific", store, c) == 50);
    CHECK(sms_variable_bound("child_name", store, c) == 50);
    CHECK(sms_variable_bound("tier", store, c) == 32);
    CHECK(sms_variable_bound("age", store, c) == 3);
    CHECK(sms_variable_bound("days_until", store, c) == 2);
    CHECK(sms_variable_bound("card_expires", store, c) == 11);
    CHECK(sms_variable_bound("festival", store, c) ==
          3);  // the longest name in holidays.toml: 中秋节
    CHECK(sms_variable_bound("something_new", store, c) == 50);
}
