#include <catch2/catch.hpp>

#include "core/message_template.h"

using namespace huitou;

namespace {
Config two_stores() {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[stores.salon]
name = "美丽坊"
)",
                        "t.toml");
}

TemplateSet with_files(const Config& c, std::map<std::string, std::string> files) {
    return TemplateSet::load(c, [files](const std::string& path) -> std::optional<std::string> {
        const auto it = files.find(path);
        if (it == files.end()) return std::nullopt;
        return it->second;
    });
}
}  // namespace

TEST_CASE("the embedded birthday templates render with the member's values") {
    const Config c = two_stores();
    const auto set = TemplateSet::load(c, nullptr);
    const auto sms = set.render("toyland", Kind::birthday, Channel::sms,
                                {{"honorific", "王女士"}, {"store", "童乐玩具"}});
    REQUIRE(sms);
    CHECK_THAT(*sms, Catch::StartsWith("王女士，童乐玩具祝您生日快乐"));
    CHECK(sms->find("{{") == std::string::npos);
    const auto wechat =
        set.render("toyland", Kind::birthday, Channel::wechat,
                   {{"honorific", "王女士"}, {"store", "童乐玩具"}, {"tier", "金卡"}});
    REQUIRE(wechat);
    CHECK_THAT(*wechat, Catch::Contains("作为我们的金卡会员"));
    CHECK(set.render("toyland", Kind::winback, Channel::sms, {}) ==
          "尊敬的会员，好久不见了！本店一直记挂着您，有空欢迎光临。");
}

TEST_CASE("missing values fall back, optional sections disappear") {
    const Config c = two_stores();
    const auto set =
        with_files(c, {{"zh-CN/birthday.mustache",
                        "{{honorific}}好！{{#tier}}尊贵的{{tier}}会员，{{/tier}}生日快乐。"}});
    CHECK(set.render("toyland", Kind::birthday, Channel::sms, {}) == "尊敬的会员好！生日快乐。");
    CHECK(set.render("toyland", Kind::birthday, Channel::sms,
                     {{"honorific", "  "}, {"tier", ""}}) == "尊敬的会员好！生日快乐。");
    CHECK(set.render("toyland", Kind::birthday, Channel::sms,
                     {{"honorific", "李先生"}, {"tier", "金卡"}}) ==
          "李先生好！尊贵的金卡会员，生日快乐。");
}

TEST_CASE("a member's name is data, never template syntax or HTML") {
    const Config c = two_stores();
    const auto set =
        with_files(c, {{"zh-CN/birthday.mustache", "{{name}}，{{store}}祝您生日快乐"}});
    CHECK(set.render("toyland", Kind::birthday, Channel::sms,
                     {{"name", "{{store}} <b>&</b>"}, {"store", "童乐玩具"}}) ==
          "{{store}} <b>&</b>，童乐玩具祝您生日快乐");
}

TEST_CASE("the most specific template wins: store and channel first") {
    const Config c = two_stores();
    const auto set = with_files(c, {{"zh-CN/birthday.mustache", "通用"},
                                    {"zh-CN/birthday.wechat.mustache", "微信"},
                                    {"zh-CN/salon/birthday.mustache", "美丽坊专用"}});
    CHECK(set.render("toyland", Kind::birthday, Channel::sms, {}) == "通用");
    CHECK(set.render("toyland", Kind::birthday, Channel::wechat, {}) == "微信");
    CHECK(set.render("salon", Kind::birthday, Channel::wechat, {}) == "美丽坊专用");
    CHECK_THAT(set.source("salon", Kind::birthday, Channel::sms),
               Catch::Contains("salon/birthday"));
}

TEST_CASE("a broken template is refused at load, naming the file") {
    const auto [text, fragment] = GENERATE(table<std::string, std::string>({
        {"{{nmae}}，生日快乐", "unknown tag {{nmae}}"},
        {"{{age}}岁生日快乐", "{{age}} may be empty"},
        {"{{#age}}{{age}}岁", "section {{#age}} is not closed"},
        {"生日快乐{{/tier}}", "closes a section that is not open"},
        {"{{> footer}}", "partials"},
        {"{{=<% %>=}}", "changing delimiters"},
        {"生日快乐 {{name", "not closed"},
    }));
    const Config c = two_stores();
    CHECK_THROWS_WITH(with_files(c, {{"zh-CN/birthday.mustache", text}}),
                      Catch::Contains("zh-CN/birthday.mustache") && Catch::Contains(fragment));
}
