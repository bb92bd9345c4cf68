// SMS composition, carrier length counting, banned words and worst-case length.
#include "core/sms_text.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using huitou::SmsPurpose;

TEST_CASE("compose: signature first, unsubscribe suffix last on marketing only", "[sms_text]") {
    const std::string body = "王小明小朋友生日快乐！";
    SECTION("marketing gets the store's suffix") {
        CHECK(huitou::compose_sms("童乐玩具", body, "回T退订", SmsPurpose::marketing) ==
              "【童乐玩具】王小明小朋友生日快乐！回T退订");
    }
    SECTION("a service notice does not") {
        CHECK(huitou::compose_sms("童乐玩具", "您的会员卡将于3月1日到期。", "回T退订",
                                  SmsPurpose::notice) == "【童乐玩具】您的会员卡将于3月1日到期。");
    }
    SECTION("a body that already ends with the suffix does not get it twice") {
        CHECK(huitou::compose_sms("美丽坊", "好久不见了，欢迎光临。拒收请回复R", "拒收请回复R",
                                  SmsPurpose::marketing) ==
              "【美丽坊】好久不见了，欢迎光临。拒收请回复R");
    }
    SECTION("an empty suffix adds nothing") {
        CHECK(huitou::compose_sms("店", "x", "", SmsPurpose::marketing) == "【店】x");
    }
}

TEST_CASE("characters are counted in UCS-2 units", "[sms_text]") {
    const auto [text, units] = GENERATE(table<std::string, std::size_t>({
        {"", 0},
        {"abc", 3},
        {"生日快乐", 4},
        {"【童乐玩具】", 6},  // the brackets count, as Aliyun's rule says
        {"ＡＢ，", 3},        // full-width: one unit each, like half-width
        {"回T退订", 4},
        {"🎂", 2},                   // outside the BMP: a surrogate pair
        {"𠮷", 2},                  // a rare CJK character outside the BMP
        {"☺", 1},                   // an emoji-like symbol inside the BMP
        {"👨‍👩‍👧", 8},  // ZWJ sequence: 2 + 1 + 2 + 1 + 2
        {"\xff", 1},                // malformed byte: one U+FFFD
    }));
    CAPTURE(text);
    CHECK(huitou::sms_units(text) == units);
}

TEST_CASE("parts: 70 in one message, 67 per part beyond", "[sms_text]") {
    const auto [units, parts] = GENERATE(table<std::size_t, std::size_t>({
        {0, 0},
        {1, 1},
        {70, 1},
        {71, 2},
        {134, 2},
        {135, 3},
        {150, 3},  // Tencent's example: 67 + 67 + 16
        {160, 3},  // Aliyun's example: 67 + 67 + 26
        {201, 3},
        {202, 4},
        {500, 8},  // the providers' total cap
    }));
    CAPTURE(units);
    CHECK(huitou::sms_parts_for_units(units) == parts);
}

TEST_CASE("a whole message at the 70-unit boundary", "[sms_text]") {
    // 【童乐玩具】 (6) + body + 回T退订 (4): a 60-unit body makes exactly 70.
    std::string sixty;
    for (int i = 0; i < 60; ++i)
        sixty += "好";
    const std::string at_limit =
        huitou::compose_sms("童乐玩具", sixty, "回T退订", SmsPurpose::marketing);
    REQUIRE(huitou::sms_units(at_limit) == 70);
    CHECK(huitou::sms_parts(at_limit) == 1);
    CHECK(huitou::fits_sms_parts(at_limit, 1));

    SECTION("one emoji more tips it into two parts") {
        const std::string over =
            huitou::compose_sms("童乐玩具", sixty + "🎂", "回T退订", SmsPurpose::marketing);
        CHECK(huitou::sms_units(over) == 72);
        CHECK(huitou::sms_parts(over) == 2);
        CHECK_FALSE(huitou::fits_sms_parts(over, 1));
        CHECK(huitou::fits_sms_parts(over, 2));
    }
    SECTION("the same body as a notice has room for the suffix's four units") {
        const std::string notice =
            huitou::compose_sms("童乐玩具", sixty, "回T退订", SmsPurpose::notice);
        CHECK(huitou::sms_units(notice) == 66);
    }
}

TEST_CASE("banned words: which of the provider's words hit", "[sms_text]") {
    // Tencent's 正文模板审核标准 (cloud.tencent.com/document/product/382/39023)
    // lists, among many, 美容, 会所, 酒吧, 邀请到店 and 用户召回.
    const std::vector<std::string> tencent = {"美容",     "会所",     "酒吧",
                                              "用户召回", "邀请到店", "KTV"};

    SECTION("hits come back in list order, each once") {
        CHECK(huitou::banned_words_in("【美丽坊】会员日美容八折，美容师邀请到店体验", tencent) ==
              std::vector<std::string>{"美容", "邀请到店"});
    }
    SECTION("clean text hits nothing") {
        CHECK(
            huitou::banned_words_in("【童乐玩具】王小明小朋友生日快乐！回T退订", tencent).empty());
    }
    SECTION("ASCII case and full-width forms do not hide a word") {
        CHECK(huitou::banned_words_in("欢唱ktv，不见不散", tencent) ==
              std::vector<std::string>{"KTV"});
        CHECK(huitou::banned_words_in("欢唱ＫＴＶ，不见不散", tencent) ==
              std::vector<std::string>{"KTV"});
    }
    SECTION("a word split by other text is not a hit") {
        CHECK(huitou::banned_words_in("邀请您到店", tencent).empty());
    }
    SECTION("empty and repeated list entries are harmless") {
        const std::vector<std::string> list = {"", "酒吧", "酒吧"};
        CHECK(huitou::banned_words_in("酒吧", list) == std::vector<std::string>{"酒吧"});
    }
}

TEST_CASE("worst-case length of a template, for refusing it at config load", "[sms_text]") {
    // 亲爱的{name}，{child}生日快乐！凭短信到店领取{gift}。 signed 【童乐玩具】,
    // suffix 回T退订.
    const std::size_t fixed = huitou::sms_units("【童乐玩具】") +
                              huitou::sms_units("亲爱的，生日快乐！凭短信到店领取。") +
                              huitou::sms_units("回T退订");
    REQUIRE(fixed == 6 + 17 + 4);

    SECTION("no variables: the fixed text alone") {
        CHECK(huitou::worst_case_units(fixed, {}) == fixed);
    }
    SECTION("every variable at its maximum") {
        const std::vector<huitou::VariableBound> vars = {{"name", 10}, {"child", 10}, {"gift", 20}};
        const std::size_t worst = huitou::worst_case_units(fixed, vars);
        CHECK(worst == 67);
        CHECK(huitou::sms_parts_for_units(worst) == 1);  // a one-part store accepts it

        const std::vector<huitou::VariableBound> longer = {
            {"name", 10}, {"child", 10}, {"gift", 24}};
        CHECK(huitou::worst_case_units(fixed, longer) == 71);
        CHECK(huitou::sms_parts_for_units(huitou::worst_case_units(fixed, longer)) == 2);
    }
    SECTION("a variable used twice is listed twice") {
        const std::vector<huitou::VariableBound> twice = {{"name", 10}, {"name", 10}};
        CHECK(huitou::worst_case_units(fixed, twice) == fixed + 20);
    }
}
