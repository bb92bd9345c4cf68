#include <catch2/catch.hpp>

#include "core/utf8.h"
#include "core/wechat_fields.h"

using namespace huitou;

TEST_CASE("a WeChat field's type is its key without the number") {
    CHECK(wechat_field_type("thing12") == "thing");
    CHECK(wechat_field_type("character_string3") == "character_string");
    CHECK(wechat_field_type("time") == "time");
}

TEST_CASE("values are cut to their type's limit, by character") {
    const auto [key, value, expected] = GENERATE(table<std::string, std::string, std::string>({
        {"thing1", "童乐玩具", "童乐玩具"},
        {"thing1", "一二三四五六七八九十一二三四五六七八九十一二",
         "一二三四五六七八九十一二三四五六七八九十"},
        {"thing1", "  童乐玩具  ", "童乐玩具"},
        {"phrase3", "生日快乐呀朋友", "生日快乐呀"},
        {"name2", "欧阳娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜娜"},
        {"name2", "Alexandra Fitzgerald-Smith", "Alexandra Fitzgerald"},
        {"character_string4", std::string(40, 'x'), std::string(32, 'x')},
        {"time5", "2027年10月15日 10:00~2027年10月16日 10:00",
         "2027年10月15日 10:00~2027年10月16日 10:00"},
        {"date6", "2027年10月15日", "2027年10月15日"},
        {"thing7", "🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂", "🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂🎂"},
    }));
    const auto fitted = fit_wechat_field(key, value);
    CHECK(fitted == expected);
    CHECK(is_valid_utf8(fitted));
}
