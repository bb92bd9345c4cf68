#include <catch2/catch.hpp>

#include <set>

#include "core/embedded_files.h"
#include "core/message_template.h"
#include "core/utf8.h"

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

TEST_CASE("a variable of another kind is refused, naming the file") {
    const Config c = two_stores();
    CHECK_THROWS_WITH(with_files(c, {{"zh-CN/card_expiry.mustache", "{{festival}}快乐"}}),
                      Catch::Contains("zh-CN/card_expiry.mustache") &&
                          Catch::Contains("{{festival}} has no value in a card_expiry template"));
    CHECK_THROWS_WITH(with_files(c, {{"zh-CN/birthday.mustache", "{{child_name}}生日快乐"}}),
                      Catch::Contains("{{child_name}} has no value in a birthday template"));
    CHECK(
        TemplateSet::check("{{#days_left}}{{days_left}}{{/days_left}}", Kind::card_expiry).empty());
    CHECK_FALSE(TemplateSet::check("{{#age}}{{age}}{{/age}}", Kind::festival).empty());
    CHECK(TemplateSet::check("{{#age}}{{age}}{{/age}}").empty());  // no kind: any variable
    CHECK(TemplateSet::kind_of("festival.mid_autumn") == Kind::festival);
    CHECK(TemplateSet::kind_of("child_birthday") == Kind::child_birthday);
    CHECK_FALSE(TemplateSet::kind_of("holiday"));
}

TEST_CASE("a festival's own template, or the general one it names") {
    const Config c = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
festivals = ["mid_autumn", "national_day"]
)",
                                  "t.toml");
    const auto set = with_files(c, {{"zh-CN/toyland/festival.mid_autumn.mustache", "店里的中秋"}});
    CHECK(set.render("toyland", "festival.mid_autumn", Channel::sms, {}) == "店里的中秋");
    CHECK(set.render("toyland", "festival", Channel::wechat, {{"festival", "国庆节"}}) ==
          TemplateSet::load(c, nullptr)
              .render("toyland", "festival", Channel::wechat, {{"festival", "国庆节"}}));
    SECTION("a celebrated festival without its template stops the load") {
        const ConfigFileReader reader = [](const std::string&) -> std::optional<std::string> {
            return "[festivals.laba]\nname = \"腊八节\"\nrule = \"lunar:12-08\"\n"
                   "template = \"festival.laba\"\n";
        };
        const Config laba = parse_config(R"(
[calendar]
holidays_file = "h.toml"
[stores.toyland]
name = "童乐玩具"
festivals = ["laba"]
)",
                                         "t.toml", {}, reader);
        CHECK_THROWS_WITH(TemplateSet::load(laba, nullptr),
                          Catch::Contains("stores.toyland: festival laba: no template "
                                          "zh-CN/festival.laba.mustache"));
    }
}

TEST_CASE("every embedded template renders short, warm and whole") {
    // A store that celebrates every festival, so every embedded template loads.
    const Config c = parse_config(R"(
[stores.baby]
name = "贝贝母婴生活馆"
festivals = ["new_year", "new_years_eve", "spring_festival", "lantern", "womens_day", "qingming",
             "mothers_day", "childrens_day", "dragon_boat", "fathers_day", "qixi", "teachers_day",
             "mid_autumn", "national_day", "double_ninth", "christmas"]
)",
                                  "t.toml");
    const auto set = TemplateSet::load(c, nullptr);
    // Values as long as they usually get: a compound surname, a long store name.
    const TemplateValues full{{"honorific", "欧阳女士"},
                              {"name", "欧阳娜娜"},
                              {"store", "贝贝母婴生活馆"},
                              {"tier", "钻石卡"},
                              {"age", "37"},
                              {"days_until", "7"},
                              {"child_name", "欧阳小明"},
                              {"child_age", "10"},
                              {"festival", "中秋节"},
                              {"card_expires", "2027年12月31日"},
                              {"days_left", "7"},
                              {"followup", "1"},
                              {"points", "12000"},
                              {"points_expire", "2027年12月31日"},
                              {"tags", "历史小说、乐高、绘本"}};
    const TemplateValues sparse{{"honorific", "王女士"}, {"store", "童乐玩具"}};
    std::vector<std::string> names{"birthday",
                                   "child_birthday",
                                   "card_expiry",
                                   "festival",
                                   "winback",
                                   "birthday+festival",
                                   "birthday+child_birthday",
                                   "child_birthday+festival",
                                   "points",
                                   "card_expiry+points",
                                   "welcome",
                                   "announcement",
                                   "announcement.new_arrivals",
                                   "announcement.event"};
    for (const auto& f : c.festivals)
        names.push_back(f.template_name);
    std::set<std::string> sources;
    for (const auto& name : names) {
        for (const Channel channel : {Channel::sms, Channel::wechat}) {
            sources.insert(set.source("baby", name, channel));
            for (const auto* values : {&full, &sparse}) {
                const auto text = set.render("baby", name, channel, *values);
                INFO(name << " " << to_string(channel) << ": " << text.value_or("(none)"));
                REQUIRE(text);
                CHECK(text->find("{{") == std::string::npos);
                CHECK(text->find("}}") == std::string::npos);
                // 清明 is a day of mourning: nothing "happy".
                if (name == "festival.qingming") CHECK(text->find("快乐") == std::string::npos);
                // The signature 【店名】 and 回T退订 are added later: an SMS body
                // stays well under one 70-character message.
                if (channel == Channel::sms) CHECK(count_code_points(*text) <= 60);
            }
        }
    }
    std::size_t embedded = 0;
    for (const auto& file : embedded_files())
        embedded += file.path.starts_with("templates/zh-CN/") ? 1 : 0;
    CHECK(sources.size() == embedded);  // every embedded template was rendered
}

TEST_CASE("lead days change the words, not the day") {
    const Config c = two_stores();
    const auto set = TemplateSet::load(c, nullptr);
    const TemplateValues on_the_day{
        {"honorific", "王女士"}, {"store", "童乐玩具"}, {"child_name", "小明"}, {"child_age", "5"}};
    auto week_before = on_the_day;
    week_before.emplace("days_until", "7");
    CHECK(set.render("toyland", Kind::child_birthday, Channel::sms, on_the_day) ==
          "王女士，今天是小明的5岁生日！童乐玩具祝宝贝健康快乐，欢迎带宝贝来店领生日礼物。");
    CHECK(set.render("toyland", Kind::child_birthday, Channel::sms, week_before) ==
          "王女士，再过7天就是小明的5岁生日！童乐玩具祝宝贝健康快乐，欢迎带宝贝来店领生日礼物。");
    CHECK_THAT(*set.render("toyland", Kind::birthday, Channel::sms,
                           {{"honorific", "王女士"}, {"store", "童乐玩具"}, {"days_until", "3"}}),
               Catch::StartsWith("王女士，童乐玩具提前祝您生日快乐"));
    CHECK(set.render("toyland", Kind::card_expiry, Channel::sms,
                     {{"honorific", "王女士"},
                      {"store", "童乐玩具"},
                      {"tier", "金卡"},
                      {"card_expires", "2027年9月22日"},
                      {"days_left", "7"}}) ==
          "王女士，您在童乐玩具的会员卡（金卡）将于2027年9月22日到期，如需续卡，欢迎到店办理。");
}
