#include <catch2/catch.hpp>

#include "core/utf8.h"

using namespace huitou;

TEST_CASE("UTF-8 validation follows RFC 3629") {
    CHECK(is_valid_utf8("王芳 Lily 😀"));
    CHECK(is_valid_utf8(""));
    CHECK_FALSE(is_valid_utf8("\xCD\xF5\xB7\xBC"));  // 王芳 in GBK
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xE7\x8E"));          // truncated
}

TEST_CASE("code points, trimming, control characters") {
    CHECK(count_code_points("王芳😀a") == 4);
    CHECK(trim("　 王芳 \t　") == "王芳");
    CHECK(trim("   ").empty());
    CHECK(has_control_characters("a\tb"));
    CHECK(
        has_control_characters("a\xC2\x85"
                               "b"));
    CHECK_FALSE(has_control_characters("王芳 Lily"));
}

TEST_CASE("UTF-8 decodes to code points and back", "[utf8]") {
    const auto [utf8, code_points] = GENERATE(table<std::string, std::u32string>({
        {"", U""},
        {"abc", U"abc"},
        {"生日快乐", U"生日快乐"},
        {"é", U"\u00e9"},
        {"🎂", U"\U0001F382"},
        {"【童乐】", U"【童乐】"},
    }));
    CHECK(decode_utf8(utf8) == code_points);
    CHECK(encode_utf8(code_points) == utf8);
}

TEST_CASE("malformed UTF-8 becomes one U+FFFD per bad byte", "[utf8]") {
    const auto [bytes, expected] = GENERATE(table<std::string, std::u32string>({
        {"\xff", U"\uFFFD"},
        {"a\x80z", U"a\uFFFDz"},                            // stray continuation byte
        {"\xe7\x94", U"\uFFFD\uFFFD"},                      // truncated 3-byte sequence
        {"\xc0\xaf", U"\uFFFD\uFFFD"},                      // overlong '/'
        {"\xed\xa0\x80", U"\uFFFD\uFFFD\uFFFD"},            // UTF-16 surrogate, not a scalar
        {"\xf4\x90\x80\x80", U"\uFFFD\uFFFD\uFFFD\uFFFD"},  // above U+10FFFF
        {"\xc9\xfa\xc8\xd5", U"\uFFFD\uFFFD\uFFFD\uFFFD"},  // "生日" in GBK
    }));
    CHECK(decode_utf8(bytes) == expected);
}

TEST_CASE("folding full-width forms, the ideographic space and ASCII case", "[utf8]") {
    CHECK(fold_width_and_case(U"ＴＤ") == U"td");
    CHECK(fold_width_and_case(U"ｔｄ") == U"td");
    CHECK(fold_width_and_case(U"\u3000T!") == U" t!");
    CHECK(fold_width_and_case(U"！？") == U"!?");
    CHECK(fold_width_and_case(U"退订。") == U"退订。");  // CJK punctuation is not ASCII
    CHECK(fold_width_and_case(U"ÀÉ") == U"ÀÉ");          // only ASCII case folds
}
