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
