// Which member replies mean "unsubscribe": a table, because that is what it is.
#include "core/opt_out_reply.h"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("unsubscribe replies", "[opt_out_reply]") {
    // clang-format off
    const auto [reply, opt_out] = GENERATE(table<std::string, bool>({
        // the keywords, any case
        {"T", true}, {"t", true}, {"TD", true}, {"td", true}, {"Td", true}, {"tD", true},
        {"R", true}, {"r", true}, {"N", true}, {"n", true}, {"退订", true}, {"取消", true},
        // full-width letters
        {"Ｔ", true}, {"ｔ", true}, {"ＴＤ", true}, {"ｔｄ", true}, {"Ｒ", true}, {"Ｎ", true},
        // surrounding whitespace, the ideographic space U+3000 and NBSP included
        {" T ", true}, {"\tTD\n", true}, {"\u3000退订\u3000", true}, {"\u00a0T", true},
        // trailing punctuation, half- or full-width
        {"T。", true}, {"TD!", true}, {"退订！", true}, {"R.", true}, {"N?", true},
        {"取消～", true}, {"退订。。", true}, {"T…", true}, {"TD 。", true},
        // combinations of keywords
        {"TD退订", true}, {"退订TD", true}, {"T退订", true}, {"退订 取消", true},
        {"TD TD", true}, {"ＴＤ退订！", true},
        // nothing to read
        {"", false}, {" ", false}, {"。", false}, {"!", false},
        // ordinary replies
        {"Thanks", false}, {"thank you", false}, {"谢谢", false}, {"好的", false},
        {"OK", false}, {"Yes", false}, {"STOP", false}, {"D", false},
        // a keyword inside something else
        {"T恤", false}, {"Ｔ恤", false}, {"TT恤", false}, {"TDX", false}, {"TDL", false},
        {"T D退", false}, {"退订了吗?", false}, {"怎么退订", false}, {"不要退订", false},
        {"取消订单", false},
        // leading punctuation is not trimmed
        {"?T", false}, {"。退订", false},
        // malformed UTF-8
        {"T\xff", false},
    }));
    // clang-format on
    CAPTURE(reply);
    CHECK(huitou::is_opt_out_reply(reply) == opt_out);
}
