#include <catch2/catch.hpp>

#include "core/text_encoding.h"

using namespace huitou;

namespace {
std::optional<EncodingProblem> scan(std::string_view bytes, std::size_t chunk) {
    Utf8Scan s;
    for (std::size_t i = 0; i < bytes.size(); i += chunk)
        s.feed(bytes.substr(i, chunk));
    s.finish();
    return s.problem();
}
// "王芳" in GBK.
const std::string wang_fang_gbk = "\xCD\xF5\xB7\xBC";
}  // namespace

TEST_CASE("UTF-8 is checked in chunks of any size") {
    const auto chunk = GENERATE(1u, 2u, 3u, 7u, 4096u);
    CAPTURE(chunk);
    SECTION("Chinese, emoji and rare CJK (outside the BMP) are UTF-8") {
        CHECK_FALSE(scan("id,name\n1,王芳\n2,𠮷野家😀\n", chunk));
    }
    SECTION("a GBK name is found on its line, at its lead byte") {
        const auto p = scan("id,name\n1,ok\n2," + wang_fang_gbk + "\n", chunk);
        REQUIRE(p);
        CHECK(p->line == 3);
        CHECK(p->offset == 15);
    }
    SECTION("overlongs, surrogates, past U+10FFFF and a cut-off end are not UTF-8") {
        for (const std::string bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                                      "\xF4\x90\x80\x80", "\xFF", "ab\xE7\x8E"}) {
            CHECK(scan(bad, chunk));
        }
    }
}

TEST_CASE("GBK reads as GB18030") {
    SECTION("a GBK file becomes UTF-8") {
        CHECK(gb18030_to_utf8("1," + wang_fang_gbk + "\r\n") == "1,王芳\r\n");
    }
    SECTION("bytes that are not GB18030 either are refused where they start") {
        EncodingProblem p;
        CHECK_FALSE(gb18030_to_utf8("a\nb\n" + wang_fang_gbk + "\xFF" + "x", &p));
        CHECK(p.line == 3);
        CHECK(p.offset == 8);
    }
    SECTION("a UTF-16 byte order mark is recognised") {
        CHECK(starts_with_utf16_bom("\xFF\xFEi\0d\0"));
        CHECK_FALSE(starts_with_utf16_bom("\xEF\xBB\xBFid"));
    }
}
