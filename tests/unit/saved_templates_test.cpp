// Templates saved in the console over the loaded ones (core/saved_templates.h):
// the saved text wins for its store only, and passes exactly the checks a
// file passes at load, plus the SMS length and the banned words.
#include <catch2/catch.hpp>

#include "core/saved_templates.h"
#include "core/template_sample.h"

using namespace huitou;

namespace {

Config two_stores(const std::string& extra = "") {
    return parse_config("[templates]\ndir = \"t\"\n[stores.toyland]\nname = \"童乐玩具\"\n" +
                            extra + "[stores.babycare]\nname = \"贝贝母婴\"\n",
                        "t.toml");
}

TemplateSet files(const Config& c, std::map<std::string, std::string> by_path = {}) {
    return TemplateSet::load(c, [by_path](const std::string& path) -> std::optional<std::string> {
        const auto it = by_path.find(path);
        if (it == by_path.end()) return std::nullopt;
        return it->second;
    });
}

const StoreConfig& toyland(const Config& c) {
    return *c.find_store("toyland");
}

TemplateValues wang() {
    return {{"honorific", "王女士"}, {"name", "王芳"}, {"store", "童乐玩具"}};
}

}  // namespace

TEST_CASE("a saved template wins over the files, for its own store only") {
    const Config c = two_stores();
    const TemplateSet base = files(c, {{"zh-CN/toyland/birthday.mustache", "店里的文件{{name}}"}});
    const SavedTemplate saved{"birthday", Channel::sms,
                              "{{honorific}}生日快乐，店里送您一份小礼物"};
    CHECK(check_saved_template(c, toyland(c), base, saved).empty());
    const auto applied = apply_saved_templates(c, toyland(c), base, {saved});
    CHECK(applied.problems.empty());
    CHECK(applied.templates.render("toyland", Kind::birthday, Channel::sms, wang()) ==
          "王女士生日快乐，店里送您一份小礼物");
    CHECK(applied.templates.source("toyland", Kind::birthday, Channel::sms) ==
          "console template toyland/birthday.sms");
    // Another channel, another template, another store: as loaded.
    CHECK(applied.templates.source("toyland", Kind::birthday, Channel::wechat) ==
          base.source("toyland", Kind::birthday, Channel::wechat));
    CHECK(applied.templates.render("toyland", Kind::winback, Channel::sms, wang()) ==
          base.render("toyland", Kind::winback, Channel::sms, wang()));
    CHECK_FALSE(applied.templates.has("babycare", Kind::birthday, Channel::sms));
    CHECK(base.render("toyland", Kind::birthday, Channel::sms, wang()) == "店里的文件王芳");
    CHECK(applied.templates.text("toyland", "birthday", Channel::sms) == saved.text);
}

TEST_CASE("a saved template is refused with the message load gives a file") {
    const Config c = two_stores();
    const TemplateSet base = files(c);
    const auto [text, name] = GENERATE(table<std::string, std::string>({
        {"{{nmae}}生日快乐", "birthday"},                  // an unknown tag
        {"{{honorific}}，{{age}}岁生日快乐", "birthday"},  // optional, outside its section
        {"{{honorific}}，{{festival}}快乐", "birthday"},   // a variable of another kind
        {"{{#age}}{{age}}岁", "birthday"},                 // a section not closed
        {"{{>partial}}", "winback"},                       // a partial
    }));
    INFO(text);
    const auto problems = check_saved_template(c, toyland(c), base, {name, Channel::sms, text});
    REQUIRE(problems.size() == 1);
    // The same text as a file of the store: load's ConfigError, the same problem.
    std::string loaded;
    try {
        files(c, {{"zh-CN/toyland/" + name + ".mustache", text}});
    } catch (const ConfigError& e) {
        loaded = e.what();
    }
    REQUIRE(loaded.starts_with("t/zh-CN/toyland/" + name + ".mustache: "));
    const auto problem = loaded.substr(loaded.find(": ") + 2);
    CHECK(problems[0] == "console template toyland/" + name + ".sms: " + problem);
    // Not applied: the file's template stays, the problem is told.
    const auto applied = apply_saved_templates(c, toyland(c), base, {{name, Channel::sms, text}});
    CHECK(applied.problems == problems);
    CHECK(applied.templates.source("toyland", name, Channel::sms) ==
          base.source("toyland", name, Channel::sms));
}

TEST_CASE("a saved SMS template is held to the store's part limit and the banned words") {
    SECTION("too long for sms_max_parts: refused by SMS, fine by WeChat") {
        const Config c = two_stores("sms_max_parts = 1\n");
        const TemplateSet base = files(c);
        // 【童乐玩具】6 + honorific at its bound 50 + 12 + 回TD退订 5 = 73: two parts.
        const std::string text = "{{honorific}}，童乐玩具祝您生日快乐！";
        const auto problems =
            check_saved_template(c, toyland(c), base, {"birthday", Channel::sms, text});
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Catch::StartsWith(
                                    "console template toyland/birthday.sms (store toyland, "
                                    "birthday by SMS): can render to 73 characters, 2 SMS parts") &&
                                    Catch::Contains("sms_max_parts = 1"));
        CHECK(
            check_saved_template(c, toyland(c), base, {"birthday", Channel::wechat, text}).empty());
        CHECK(check_saved_template(c, toyland(c), base,
                                   {"birthday", Channel::sms, "{{store}}祝您生日快乐"})
                  .empty());
    }
    SECTION("a word the provider refuses") {
        const Config c = two_stores("[sms]\nprovider = \"tencent\"\n");
        const TemplateSet base = files(c);
        const auto problems = check_saved_template(
            c, toyland(c), base, {"winback", Channel::sms, "{{honorific}}，美容护理八折"});
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Catch::Contains("holds \"美容\"") &&
                                    Catch::Contains("tencent SMS provider refuses"));
    }
}

TEST_CASE("a saved template must be one the store sends, and not empty") {
    const Config c = two_stores();
    const TemplateSet base = files(c);
    auto problems =
        check_saved_template(c, toyland(c), base, {"festival.no_such", Channel::sms, "节日快乐"});
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::Contains("sends no template named \"festival.no_such\""));
    problems = check_saved_template(c, toyland(c), base, {"birthday", Channel::sms, "  \n"});
    REQUIRE(problems.size() == 1);
    CHECK_THAT(problems[0], Catch::EndsWith("the template is empty"));
}

TEST_CASE("saved template fields name the template and the channel") {
    CHECK(saved_template_field("festival.mid_autumn", Channel::wechat) ==
          "festival.mid_autumn.wechat");
    const auto parsed = parse_saved_template_field("festival.mid_autumn.wechat");
    REQUIRE(parsed);
    CHECK(parsed->first == "festival.mid_autumn");
    CHECK(parsed->second == Channel::wechat);
    CHECK_FALSE(parse_saved_template_field("birthday"));
    CHECK_FALSE(parse_saved_template_field("birthday.fax"));
}

TEST_CASE("a template is previewed on a member who has what it speaks of") {
    const Config c = two_stores();
    Member m;
    m.id = "T1";
    m.name = "王芳";
    m.gender = Gender::female;
    m.birthday = parse_birthday("1990-09-20");
    CHECK(fits_template(m, "birthday"));
    CHECK_FALSE(fits_template(m, "child_birthday"));
    CHECK_FALSE(fits_template(m, "card_expiry"));
    CHECK(fits_template(m, "winback"));
    const Date today{date::year{2027} / 9 / 15};
    auto v = sample_values(m, toyland(c), c, "birthday", today);
    CHECK(v["name"] == "王芳");
    CHECK(v["store"] == "童乐玩具");
    CHECK(v["age"] == "37");  // turns 37 on the 20th
    m.card_expires = Date{date::year{2027} / 9 / 22};
    v = sample_values(m, toyland(c), c, "card_expiry", today);
    CHECK(v["days_left"] == "7");
    CHECK(v["card_expires"] == "2027年9月22日");
}
