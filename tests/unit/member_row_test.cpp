#include <catch2/catch.hpp>

#include <algorithm>

#include "core/member_row.h"

using namespace huitou;

namespace {
MemberRowParser parser(std::string default_store = {}) {
    return MemberRowParser([](std::string_view s) { return s == "toyland" || s == "babycare"; },
                           std::move(default_store));
}
using Row = std::vector<std::string>;
// What the row says is wrong: its error, or the warnings of fields left out.
std::string problems(const RowResult& r) {
    std::string out = r.error;
    for (const auto& w : r.warnings)
        out += (out.empty() ? "" : " | ") + w;
    return out;
}
const Row header{"member_id",     "store", "name",         "gender",    "birthday",    "phone",
                 "wechat_openid", "tier",  "card_expires", "sms_optin", "wechat_optin"};
}  // namespace

TEST_CASE("a good CSV row becomes the fields to store") {
    auto p = parser();
    REQUIRE(p.set_header(header).empty());
    const auto r = p.parse_csv({"M001", "toyland", " 王芳 ", "女", "1990-08-15", "138 0013-8000",
                                "oTOY_wangfang", "金卡", "2028-03-31", "是", "no"});
    REQUIRE(r.record);
    CHECK(r.record->store == "toyland");
    CHECK(r.record->id == "M001");
    const FieldMap expected{{"name", "王芳"},
                            {"gender", "F"},
                            {"birthday", "1990-08-15"},
                            {"phone", "+8613800138000"},
                            {"openid", "oTOY_wangfang"},
                            {"tier", "金卡"},
                            {"card_expires", "2028-03-31"},
                            {"sms_optin", "1"},
                            {"wechat_optin", "0"}};
    CHECK(r.record->set == expected);
    CHECK(r.record->clear.empty());
}

TEST_CASE("empty cells clear fields — absent columns are left alone") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"会员号", "姓名", "手机", "备注"}).empty());
    CHECK(p.ignored_columns() == std::vector<std::string>{"备注"});
    const auto r = p.parse_csv({"M002", "", "13800138000", "VIP customer"});
    REQUIRE(r.record);
    CHECK(r.record->store == "toyland");  // the default store
    CHECK(r.record->clear == std::vector<std::string>{"name"});
    CHECK(r.record->set.size() == 1);
    CHECK_FALSE(r.record->set.contains("gender"));
}

TEST_CASE("a bad key rejects the row, named") {
    auto p = parser();
    REQUIRE(p.set_header(header).empty());
    Row good{"M001", "toyland", "王芳", "F", "1990-08-15", "13800138000", "", "", "", "1", "0"};
    const auto [column, value, fragment] = GENERATE(table<std::size_t, std::string, std::string>({
        {0, "", "member_id is empty"},
        {0, "M 001", "member_id \"M 001\" may hold only"},
        {0, "M\xCD\xF5", "not valid UTF-8"},
        {1, "nowhere", "store \"nowhere\" is not in the config"},
    }));
    good[column] = value;
    const auto r = p.parse_csv(good);
    CHECK_FALSE(r.record);
    CHECK_THAT(r.error, Catch::Contains(fragment));
}

TEST_CASE("any other bad value is left out, named, and the member imported") {
    auto p = parser();
    REQUIRE(p.set_header(header).empty());
    Row good{"M001",          "toyland", "王芳",       "F", "1990-08-15", "13800138000",
             "oTOY_wangfang", "金卡",    "2028-03-31", "1", "0"};
    const auto [column, field, value, fragment] =
        GENERATE(table<std::size_t, std::string, std::string, std::string>({
            {2, "name", "王\x01芳", "name holds control characters; left out"},
            {2, "name", std::string(51 * 3, 'a'), "name is longer than 50"},
            {2, "name", "\xCD\xF5\xB7\xBC", "name is not valid UTF-8"},
            {3, "gender", "X", "gender \"X\" is not F/M (女/男); left out"},
            {4, "birthday", "1990-02-30", "not a real date; left out"},
            {5, "phone", "1380013", "phone \"1380013\" is not"},
            {5, "phone", "010-62345678", "is not a mobile number"},
            {6, "openid", "oTOY_", "wechat_openid \"oTOY_\" is not an openid; left out"},
            {7, "tier", std::string(33 * 3, 'a'), "tier is longer than 32 characters; left out"},
            {8, "card_expires", "2028-13-01", "card_expires \"2028-13-01\" is not a date"},
            {9, "sms_optin", "maybe", "sms_optin \"maybe\" is not yes/no (1/0); left out"},
            {10, "wechat_optin", "Y E S", "wechat_optin \"Y E S\" is not yes/no"},
        }));
    good[column] = value;
    const auto r = p.parse_csv(good);
    REQUIRE(r.record);
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Catch::Contains(fragment));
    // Neither set nor cleared: what is stored stays.
    CHECK_FALSE(r.record->set.contains(field));
    CHECK(std::find(r.record->clear.begin(), r.record->clear.end(), field) ==
          r.record->clear.end());
    // The rest of the row is there.
    CHECK(r.record->set.size() == 8);
    CHECK(r.record->id == "M001");
}

TEST_CASE("several bad fields: each named, the good ones kept") {
    auto p = parser();
    REQUIRE(p.set_header(header).empty());
    const auto r = p.parse_csv(
        {"M001", "toyland", "王芳", "X", "1990-08-15", "1380013", "oTOY_w", "", "", "1", "0"});
    REQUIRE(r.record);
    REQUIRE(r.warnings.size() == 2);
    CHECK_THAT(r.warnings[0], Catch::StartsWith("gender"));
    CHECK_THAT(r.warnings[1], Catch::StartsWith("phone"));
    CHECK(r.record->set.at("birthday") == "1990-08-15");
    CHECK(r.record->set.at("openid") == "oTOY_w");
}

TEST_CASE("dates and phones as shops type them") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"member_id", "birthday", "card_expires", "phone", "child1_name",
                          "child1_birthday"})
                .empty());
    SECTION("year-first dates with slashes, dots, no separator or 年月日") {
        const auto written = GENERATE(as<std::string>{}, "1990/8/15", "1990.8.15", "19900815",
                                      "1990-8-15", "1990年8月15日", "1990-08-15");
        CAPTURE(written);
        const auto r = p.parse_csv({"M1", written, "2028/3/31", "", "小明", "2019.6.1"});
        REQUIRE(r.record);
        CHECK(r.record->set.at("birthday") == "1990-08-15");
        CHECK(r.record->set.at("card_expires") == "2028-03-31");
        CHECK_THAT(r.record->set.at("children"), Catch::Contains("2019-06-01"));
    }
    SECTION("a day-first date is not guessed") {
        const auto r = p.parse_csv({"M1", "15/8/1990"});
        REQUIRE(r.record);
        CHECK_FALSE(r.record->set.contains("birthday"));
        CHECK_THAT(problems(r), Catch::Contains("birthday \"15/8/1990\""));
    }
    SECTION("a loose date that does not exist is named as written") {
        const auto r = p.parse_csv({"M1", "1990/2/30"});
        CHECK_THAT(problems(r), Catch::Contains("not a real date"));
    }
    SECTION("+86, spaces, dashes and 0086 make the same number") {
        const auto written =
            GENERATE(as<std::string>{}, "+86 138-0013-8000", "138 0013 8000", "008613800138000",
                     "+8613800138000", "138-0013-8000", "\u3000 13800138000 ");
        CAPTURE(written);
        const auto r = p.parse_csv({"M1", "", "", written});
        REQUIRE(r.record);
        CHECK(r.record->set.at("phone") == "+8613800138000");
    }
}

TEST_CASE("names with emoji and rare CJK characters count as characters") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"member_id", "name"}).empty());
    // 𠮷 and 😀 are four bytes each in UTF-8 but one character.
    const std::string rare = "𠮷野𡈽😀";
    auto r = p.parse_csv({"M1", rare});
    REQUIRE(r.record);
    CHECK(r.record->set.at("name") == rare);
    std::string fifty;
    for (int i = 0; i < 50; ++i)
        fifty += "𠮷";
    CHECK(p.parse_csv({"M1", fifty}).record);
    r = p.parse_csv({"M1", fifty + "😀"});
    CHECK_THAT(problems(r), Catch::Contains("longer than 50 characters"));
    SECTION("a 1 MB name is refused by its length") {
        r = p.parse_csv({"M1", std::string(1 << 20, 'a')});
        CHECK_THAT(problems(r), Catch::Contains("longer than 50 characters"));
    }
}

TEST_CASE("a header that cannot work is refused") {
    auto p = parser();
    CHECK_THAT(p.set_header({"name", "phone"}), Catch::Contains("no member_id column"));
    CHECK_THAT(p.set_header({"member_id", "name", "姓名"}), Catch::Contains("twice"));
    REQUIRE(p.set_header({"member_id", "store"}).empty());
    CHECK_THAT(p.parse_csv({"M1", "toyland", "extra"}).error, Catch::Contains("has 3 fields"));
    // Excel drops trailing empty cells: a short row is fine.
    CHECK_THAT(p.parse_csv({"M1"}).error, Catch::Contains("store is missing"));
}

TEST_CASE("JSON Lines rows go through the same checks") {
    auto p = parser();
    auto r = p.parse_json(R"({"member_id":"M9","store":"babycare","name":"孙丽","sms_optin":true,
                             "phone":13900139001,"tier":null,"points":120})");
    REQUIRE(r.record);
    CHECK(r.record->set.at("sms_optin") == "1");
    CHECK(r.record->set.at("phone") == "+8613900139001");
    CHECK(r.record->clear == std::vector<std::string>{"tier"});
    CHECK_THAT(p.parse_json("{\"member_id\": ").error, Catch::Contains("not valid JSON"));
    CHECK_THAT(p.parse_json("[1,2]").error, Catch::Contains("expected a JSON object"));
    // A number too large for a double is nlohmann's out_of_range, not a
    // parse_error: still this line's error, never an exception that ends the
    // import (found by huitou_member_jsonl_fuzz).
    CHECK_THAT(p.parse_json(R"({"member_id":"M1","store":"toyland","tier":8e888})").error,
               Catch::Contains("not valid JSON"));
    r = p.parse_json(R"({"member_id":"M9","store":"babycare","name":["a"],"gender":"F"})");
    REQUIRE(r.record);
    CHECK(r.warnings == std::vector<std::string>{"\"name\" must be a string; left out"});
    CHECK(r.record->set.at("gender") == "F");
    CHECK_FALSE(r.record->set.contains("name"));
    CHECK_THAT(p.parse_json(R"({"member_id":["M9"],"store":"babycare"})").error,
               Catch::Contains("\"member_id\" must be a string"));
    CHECK_THAT(p.parse_json(R"({"member_id":"M9","store":7.5})").error,
               Catch::Contains("\"store\" must be a string"));
}

TEST_CASE("JSON Lines keys that are no member field are named, not dropped silently") {
    auto p = parser("toyland");
    const auto r = p.parse_json(R"({"member_id":"M1","brithday":"1990-08-15","name":"王芳"})");
    REQUIRE(r.record);
    CHECK(r.ignored_keys == std::vector<std::string>{"brithday"});
    CHECK(r.record->set.at("name") == "王芳");
    CHECK(p.parse_json(R"({"member_id":"M1","生日":"1990-08-15"})").ignored_keys.empty());
}

TEST_CASE("lunar birthdays import as written, checked against the calendar") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"member_id", "生日"}).empty());
    CHECK(p.parse_csv({"M1", "lunar:1990-08-15"}).record->set.at("birthday") == "lunar:1990-08-15");
    CHECK(p.parse_csv({"M1", "lunar:--leap04-10"}).record->set.at("birthday") ==
          "lunar:--leap04-10");
    CHECK_THAT(problems(p.parse_csv({"M1", "lunar:1990-leap04-10"})),
               Catch::Contains("lunar 1990 has no leap 4th month (its leap month is the 5th)"));
}

TEST_CASE("children come as numbered columns and state all of a member's children") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"member_id", "child1_name", "child1_birthday", "child1_gender",
                          "孩子2姓名", "孩子2生日", "child3_name"})
                .empty());
    CHECK(p.ignored_columns().empty());
    SECTION("children, in name order, whatever the column order") {
        const auto r =
            p.parse_csv({"M1", "小明", "2019-06-01", "男", "小红", "lunar:2021-08-15", ""});
        REQUIRE(r.record);
        const auto children = decode_children(r.record->set.at("children"));
        REQUIRE(children.size() == 2);
        CHECK(children[0].name == "小明");
        CHECK(children[0].gender == Gender::male);
        CHECK(children[1].name == "小红");
        CHECK(children[1].birthday == parse_birthday("lunar:2021-08-15"));
        // Listed the other way round: the same stored value.
        const auto swapped =
            p.parse_csv({"M1", "小红", "lunar:2021-08-15", "", "小明", "2019-06-01", ""});
        REQUIRE(swapped.record);
        CHECK(decode_children(swapped.record->set.at("children"))[0].name == "小明");
        const auto same =
            p.parse_csv({"M1", "小明", "2019-06-01", "", "小红", "lunar:2021-08-15", ""});
        CHECK(same.record->set.at("children") == swapped.record->set.at("children"));
    }
    SECTION("a name without a birthday is a child; no names at all clears the children") {
        const auto r = p.parse_csv({"M1", "", "", "", "", "", "小丽"});
        REQUIRE(r.record);
        CHECK(decode_children(r.record->set.at("children")).size() == 1);
        const auto none = p.parse_csv({"M1", "", "", "", "", "", ""});
        REQUIRE(none.record);
        CHECK(none.record->clear == std::vector<std::string>{"children"});
    }
    SECTION("bad children are named") {
        const auto [row, fragment] = GENERATE(table<Row, std::string>({
            {{"M1", "", "2019-06-01", "", "", "", ""},
             "child 1: a birthday or gender is given but no name"},
            {{"M1", "小明", "2019-02-30", "", "", "", ""},
             "child 1: birthday \"2019-02-30\" is not a real date"},
            {{"M1", "小明", "", "boy", "", "", ""}, "child 1: gender \"boy\" is not F/M"},
            {{"M1", "小明", "", "", "小明", "", ""}, "two children are named \"小明\""},
            {{"M1", "小明", "", "", "", "lunar:2021-13-01", ""}, "child 2: a birthday or gender"},
            {{"M1", std::string(21 * 3, 'a'), "", "", "", "", ""}, "child 1: the name is longer"},
        }));
        const auto r = p.parse_csv(row);
        REQUIRE(r.record);  // the member, without her children
        CHECK_FALSE(r.record->set.contains("children"));
        CHECK(r.record->clear.empty());
        REQUIRE(r.warnings.size() == 1);
        CHECK_THAT(r.warnings[0],
                   Catch::Contains(fragment) && Catch::EndsWith("children left out"));
    }
    SECTION("a file without child columns keeps the stored children") {
        REQUIRE(p.set_header({"member_id", "name"}).empty());
        const auto r = p.parse_csv({"M1", "王芳"});
        CHECK_FALSE(r.record->set.contains("children"));
        CHECK(r.record->clear.empty());
    }
    CHECK_THAT(p.set_header({"member_id", "child1_name", "孩子1姓名"}), Catch::Contains("twice"));
    CHECK(p.set_header({"member_id", "child0_name", "child10_name"}).empty());
    CHECK(p.ignored_columns() == std::vector<std::string>{"child0_name", "child10_name"});
}

TEST_CASE("children in JSON Lines") {
    auto p = parser("toyland");
    auto r = p.parse_json(R"({"member_id":"M1","children":[
        {"name":"小红","birthday":"lunar:2021-08-15","gender":"F"},
        {"name":"小明","birthday":"2019-06-01"}]})");
    REQUIRE(r.record);
    const auto children = decode_children(r.record->set.at("children"));
    REQUIRE(children.size() == 2);
    CHECK(children[0].name == "小明");
    CHECK(children[1].gender == Gender::female);
    CHECK(p.parse_json(R"({"member_id":"M1","children":[]})").record->clear ==
          std::vector<std::string>{"children"});
    CHECK(p.parse_json(R"({"member_id":"M1","children":null})").record->clear ==
          std::vector<std::string>{"children"});
    CHECK_FALSE(p.parse_json(R"({"member_id":"M1"})").record->set.contains("children"));
    const auto [json, fragment] = GENERATE(table<std::string, std::string>({
        {R"({"member_id":"M1","children":"小明"})", "\"children\" must be an array"},
        {R"({"member_id":"M1","children":[{"birthday":"2019-06-01"}]})",
         "child 1: a birthday or gender is given but no name"},
        {R"({"member_id":"M1","children":[{"name":"小明"},"x"]})", "child 2 must be an object"},
        {R"({"member_id":"M1","children":[{"name":["小明"]}]})",
         "child 1: \"name\" must be a string"},
    }));
    CAPTURE(json);
    r = p.parse_json(json);
    REQUIRE(r.record);  // the member, without her children
    CHECK_FALSE(r.record->set.contains("children"));
    CHECK(r.record->clear.empty());
    CHECK_THAT(problems(r), Catch::Contains(fragment) && Catch::EndsWith("children left out"));
}

TEST_CASE("points and the day they lapse: a table of what shops write") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"会员号", "积分", "积分到期日"}).empty());
    // Good values: stored as a plain number and a date; 0 or empty is no
    // points at all, stored as nothing.
    const auto [points, expire, set_points, set_expire] =
        GENERATE(table<std::string, std::string, std::string, std::string>({
            {"1200", "2027-09-22", "1200", "2027-09-22"},
            {" 88 ", "2027/9/22", "88", "2027-09-22"},
            {"007", "20270922", "7", "2027-09-22"},
            {"999999999", "2027.9.22", "999999999", "2027-09-22"},
            {"0", "2027-09-22", "", "2027-09-22"},
            {"", "", "", ""},
        }));
    INFO(points << " | " << expire);
    const auto r = p.parse_csv({"M001", points, expire});
    REQUIRE(r.record);
    CHECK(r.warnings.empty());
    const auto cleared = [&](const std::string& f) {
        return std::find(r.record->clear.begin(), r.record->clear.end(), f) !=
               r.record->clear.end();
    };
    if (set_points.empty()) {
        CHECK_FALSE(r.record->set.contains("points"));
        CHECK(cleared("points"));
    } else {
        CHECK(r.record->set.at("points") == set_points);
    }
    if (set_expire.empty()) {
        CHECK(cleared("points_expire"));
    } else {
        CHECK(r.record->set.at("points_expire") == set_expire);
    }
}

TEST_CASE("bad points or dates are left out, named, the member imported") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"member_id", "name", "points", "points_expire"}).empty());
    const auto [column, field, value,
                fragment] = GENERATE(table<std::size_t, std::string, std::string, std::string>({
        {2, "points", "-5", "points \"-5\" is not a whole number from 0 to 999999999; left out"},
        {2, "points", "12.5", "points \"12.5\" is not a whole number"},
        {2, "points", "1,200", "points \"1,200\" is not a whole number"},
        {2, "points", "1000000000", "points \"1000000000\" is not a whole number"},
        {2, "points", "一千", "points \"一千\" is not"},
        {3, "points_expire", "2027-02-30", "points_expire \"2027-02-30\" is not a date"},
        {3, "points_expire", "soon", "points_expire \"soon\" is not a date YYYY-MM-DD; left out"},
    }));
    Row row{"M001", "王芳", "1200", "2027-09-22"};
    row[column] = value;
    const auto r = p.parse_csv(row);
    REQUIRE(r.record);
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Catch::Contains(fragment));
    CHECK_FALSE(r.record->set.contains(field));
    CHECK(std::find(r.record->clear.begin(), r.record->clear.end(), field) ==
          r.record->clear.end());
    CHECK(r.record->set.at("name") == "王芳");
}

TEST_CASE("points in JSON Lines: a number or a string") {
    auto p = parser("toyland");
    const auto good =
        p.parse_json(R"({"member_id": "M1", "points": 1200, "points_expire": "2027-09-22"})");
    REQUIRE(good.record);
    CHECK(good.warnings.empty());
    CHECK(good.record->set.at("points") == "1200");
    CHECK(good.record->set.at("points_expire") == "2027-09-22");
    const auto negative = p.parse_json(R"({"member_id": "M1", "points": -3})");
    REQUIRE(negative.record);
    REQUIRE(negative.warnings.size() == 1);
    CHECK_THAT(negative.warnings[0], Catch::StartsWith("points \"-3\" is not a whole number"));
}

TEST_CASE("tags: the import's column (标签, 偏好) stores them normalized") {
    auto p = parser("toyland");
    const auto [header, value, stored] = GENERATE(table<std::string, std::string, std::string>({
        {"tags", "历史小说;乐高", "历史小说;乐高"},
        {"标签", "历史小说；ＬＥＧＯ、乐高", "历史小说;lego;乐高"},
        {"偏好", " 绘本 ,绘本 ", "绘本"},
        {"tags", "", ""},
    }));
    INFO(header << " | " << value);
    REQUIRE(p.set_header({"member_id", header}).empty());
    const auto r = p.parse_csv({"M001", value});
    REQUIRE(r.record);
    CHECK(r.warnings.empty());
    if (stored.empty()) {
        CHECK(std::find(r.record->clear.begin(), r.record->clear.end(), "tags") !=
              r.record->clear.end());
    } else {
        CHECK(r.record->set.at("tags") == stored);
    }
}

TEST_CASE("too many or too long tags are left out, naming the tag — the member is imported") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"member_id", "name", "tags"}).empty());
    const auto r = p.parse_csv({"M001", "王芳", "乐高;一二三四五六七八九十一二三四五六七八九十一"});
    REQUIRE(r.record);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] ==
          "tags refused: tag \"一二三四五六七八九十一二三四五六七八九十一\" is longer than 20 "
          "characters; left out");
    CHECK_FALSE(r.record->set.contains("tags"));
    CHECK(r.record->set.at("name") == "王芳");
}

TEST_CASE("tags in JSON Lines: a string or an array of strings") {
    auto p = parser("toyland");
    const auto list = p.parse_json(R"({"member_id": "M1", "tags": ["历史小说", "ＬＥＧＯ"]})");
    REQUIRE(list.record);
    CHECK(list.warnings.empty());
    CHECK(list.record->set.at("tags") == "历史小说;lego");
    const auto text = p.parse_json(R"({"member_id": "M1", "tags": "历史小说，乐高"})");
    REQUIRE(text.record);
    CHECK(text.record->set.at("tags") == "历史小说;乐高");
    const auto bad = p.parse_json(R"({"member_id": "M1", "tags": ["历史小说", 3]})");
    REQUIRE(bad.record);
    REQUIRE(bad.warnings.size() == 1);
    CHECK(bad.warnings[0] == "\"tags\" must be a string or an array of strings; left out");
}

TEST_CASE("working hours: typed several ways, stored one way — a bad one named and left out",
          "[care]") {
    auto p = parser("toyland");
    REQUIRE(p.set_header({"会员号", "工作时间"}).empty());
    const auto [typed, stored] = GENERATE(table<std::string, std::string>({
        {"09:00-18:00", "09:00-18:00"},
        {"9:00–18:00", "09:00-18:00"},
        {"13:30-18:00，09:00-12:00", "09:00-12:00,13:30-18:00"},
        {"09:00-12:00; 11:00-18:00", "09:00-18:00"},  // overlapping: merged
    }));
    CAPTURE(typed);
    const auto r = p.parse_csv({"M1", typed});
    REQUIRE(r.record);
    CHECK(r.warnings.empty());
    CHECK(r.record->set.at("wh") == stored);

    const auto cleared = p.parse_csv({"M1", ""});
    REQUIRE(cleared.record);
    CHECK(cleared.record->clear == std::vector<std::string>{"wh"});

    const auto bad = p.parse_csv({"M1", "早九晚六"});
    REQUIRE(bad.record);
    REQUIRE(bad.warnings.size() == 1);
    CHECK_THAT(bad.warnings[0], Catch::Contains("work_hours refused") &&
                                    Catch::Contains("早九晚六") && Catch::Contains("left out"));
    CHECK_FALSE(bad.record->set.contains("wh"));
}
