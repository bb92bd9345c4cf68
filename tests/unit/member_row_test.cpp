#include <catch2/catch.hpp>

#include "core/member_row.h"

using namespace huitou;

namespace {
MemberRowParser parser(std::string default_store = {}) {
    return MemberRowParser([](std::string_view s) { return s == "toyland" || s == "babycare"; },
                           std::move(default_store));
}
using Row = std::vector<std::string>;
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

TEST_CASE("empty cells clear fields; absent columns are left alone") {
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

TEST_CASE("every bad value is named") {
    auto p = parser();
    REQUIRE(p.set_header(header).empty());
    Row good{"M001", "toyland", "王芳", "F", "1990-08-15", "13800138000", "", "", "", "1", "0"};
    const auto [column, value, fragment] = GENERATE(table<std::size_t, std::string, std::string>({
        {0, "", "member_id is empty"},
        {0, "M 001", "member_id \"M 001\" may hold only"},
        {1, "nowhere", "store \"nowhere\" is not in the config"},
        {2, "王\x01芳", "name holds control characters"},
        {2, std::string(51 * 3, 'a'), "name is longer than 50"},
        {3, "X", "gender \"X\" is not F/M"},
        {4, "1990-02-30", "not a real date"},
        {5, "1380013", "phone \"1380013\" is not"},
        {5, "010-62345678", "is not a mobile number"},
        {6, "oops!", "wechat_openid \"oops!\" is not an openid"},
        {8, "2028-13-01", "card_expires \"2028-13-01\" is not a date"},
        {9, "maybe", "sms_optin \"maybe\" is not yes/no"},
        {2, "\xCD\xF5\xB7\xBC", "not valid UTF-8"},
    }));
    good[column] = value;
    const auto r = p.parse_csv(good);
    CHECK_FALSE(r.record);
    CHECK_THAT(r.error, Catch::Contains(fragment));
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
    CHECK_THAT(p.parse_json(R"({"member_id":"M9","store":"babycare","name":["a"]})").error,
               Catch::Contains("\"name\" must be a string"));
}
