// read_member_body: the import's parser, held to an API's standard.
#include <catch2/catch.hpp>

#include "core/member_body.h"

using namespace huitou;

namespace {

MemberRowParser parser() {
    return MemberRowParser([](std::string_view s) { return s == "toyland" || s == "babycare"; });
}

bool clears(const MemberRecord& r, std::string_view f) {
    return std::find(r.clear.begin(), r.clear.end(), f) != r.clear.end();
}

}  // namespace

TEST_CASE("read_member_body: a replace clears what the body leaves out, a merge does not") {
    const auto p = parser();
    const std::string body = R"({"name": "王芳", "birthday": "1990-11-03", "tier": null})";
    const auto put = read_member_body(p, body, "toyland", "M01", MemberWriteMode::replace);
    REQUIRE(put.record);
    CHECK(put.record->store == "toyland");
    CHECK(put.record->id == "M01");
    CHECK(put.record->set.at("name") == "王芳");
    CHECK(put.record->set.at("sms_optin") == "0");
    CHECK(put.record->set.at("wechat_optin") == "0");
    for (const auto* f : {"gender", "phone", "openid", "tier", "card_expires", "children", "points",
                          "points_expire"})
        CHECK(clears(*put.record, f));
    CHECK_FALSE(clears(*put.record, "name"));
    CHECK_FALSE(clears(*put.record, "wechat_sub"));  // WeChat's fact, not the shop's
    CHECK_FALSE(clears(*put.record, "ch"));          // the contact history

    const auto patch = read_member_body(p, body, "toyland", "M01", MemberWriteMode::merge);
    REQUIRE(patch.record);
    CHECK(patch.record->clear == std::vector<std::string>{"tier"});
    CHECK_FALSE(patch.record->set.contains("sms_optin"));
}

TEST_CASE("read_member_body: errors name the field") {
    const auto p = parser();
    const auto [body, error] = GENERATE(table<std::string, std::string>({
        {R"({"birthday": "1990-13-45"})", "birthday: \"1990-13-45\" is not"},
        {R"({"gender": 3.5})", "gender: must be a string"},
        {R"({"name": "a\u0001"})", "name: holds control characters"},
        {R"({"children": 1})", "children: must be an array"},
        {R"({"brithday": "x", "foo": 1})", "brithday, foo: not a member field"},
        {R"({"member_id": 7})", "member_id: 7 is not the URL's \"M01\""},
        {R"({"store": "babycare"})", "store: \"babycare\" is not the URL's \"toyland\""},
        {"[]", "body: expected a JSON object"},
        {R"({"points": -1})", "points: \"-1\" is not a whole number from 0 to 999999999"},
        {R"({"points": 1.5})", "points: must be a whole number"},
        {R"({"points_expire": "2027-02-30"})", "points_expire: \"2027-02-30\" is not a date"},
    }));
    INFO(body);
    const auto r = read_member_body(p, body, "toyland", "M01", MemberWriteMode::replace);
    CHECK_FALSE(r.record);
    CHECK_THAT(r.error, Catch::StartsWith(error));
}

TEST_CASE("read_member_body: the URL's member may be repeated in the body") {
    const auto r = read_member_body(parser(), R"({"member_id": "M01", "store": "toyland"})",
                                    "toyland", "M01", MemberWriteMode::merge);
    REQUIRE(r.record);
    CHECK(r.record->set.empty());
}
