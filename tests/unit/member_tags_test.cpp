#include <catch2/catch.hpp>

#include "core/member_tags.h"

using namespace huitou;

namespace {
using Tags = std::vector<std::string>;
}

TEST_CASE("tags are normalized where they enter: split, folded, trimmed, deduplicated") {
    const auto [text, want] = GENERATE(table<std::string, Tags>({
        {"历史小说;乐高", {"历史小说", "乐高"}},
        {"历史小说；乐高", {"历史小说", "乐高"}},               // full-width semicolon
        {"历史小说，乐高,绘本", {"历史小说", "乐高", "绘本"}},  // full-width and ASCII commas
        {"历史小说、乐高", {"历史小说", "乐高"}},               // 顿号
        {"历史小说|乐高｜绘本", {"历史小说", "乐高", "绘本"}},
        {"历史小说 乐高\u3000绘本", {"历史小说", "乐高", "绘本"}},  // spaces, ideographic space
        {"  历史小说 ;; ; 乐高  ", {"历史小说", "乐高"}},           // empties dropped
        {"ＬＥＧＯ;Lego;lego", {"lego"}},                           // width and case folded, once
        {"乐高;历史小说;乐高", {"乐高", "历史小说"}},               // first-seen order kept
        {"Harry Potter", {"harry", "potter"}},                      // whitespace separates
        {"", {}},
        {" ;、, ", {}},
        {"ｋｔｖ包厢", {"ktv包厢"}},
    }));
    CAPTURE(text);
    const auto r = normalize_tags(text);
    CHECK(r.error.empty());
    CHECK(r.tags == want);
}

TEST_CASE("too many or too long tags are refused, naming the tag, never cut") {
    SECTION("twenty characters fit, twenty-one do not") {
        const std::string twenty = "一二三四五六七八九十一二三四五六七八九十";
        CHECK(normalize_tags(twenty).tags == Tags{twenty});
        const auto r = normalize_tags("乐高;" + twenty + "多");
        CHECK(r.tags.empty());
        CHECK(r.error == "tag \"" + twenty + "多\" is longer than 20 characters");
    }
    SECTION("twenty tags fit, the twenty-first is named") {
        std::string text;
        for (int i = 1; i <= 20; ++i)
            text += "t" + std::to_string(i) + ";";
        CHECK(normalize_tags(text).tags.size() == 20);
        const auto r = normalize_tags(text + "T21;t1");  // a repeat does not count
        CHECK(r.tags.empty());
        CHECK(r.error == "21 tags, at most 20 (the first one past: \"t21\")");
    }
    SECTION("control characters and bad UTF-8") {
        CHECK(normalize_tags("乐高\x01").error == "tag \"乐高\x01\" holds control characters");
        CHECK(normalize_tags("\xff\xfe").error == "tags are not valid UTF-8");
    }
}

TEST_CASE("an announcement's tags match a member's: any one, or all") {
    const auto [member, wanted, match, want] = GENERATE(table<Tags, Tags, TagMatch, bool>({
        {{"历史小说", "乐高"}, {"历史小说"}, TagMatch::any, true},
        {{"历史小说", "乐高"}, {"绘本", "乐高"}, TagMatch::any, true},
        {{"历史小说", "乐高"}, {"绘本"}, TagMatch::any, false},
        {{"历史小说", "乐高"}, {"乐高", "历史小说"}, TagMatch::all, true},
        {{"历史小说", "乐高"}, {"历史小说", "绘本"}, TagMatch::all, false},
        {{"历史小说"}, {"历史小说"}, TagMatch::all, true},
        {{}, {"历史小说"}, TagMatch::any, false},
        {{}, {"历史小说"}, TagMatch::all, false},
        {{"历史小说"}, {}, TagMatch::any, false},  // an announcement names what it is about
        {{"历史小说"}, {}, TagMatch::all, false},
    }));
    CAPTURE(member, wanted, to_string(match));
    CHECK(tags_match(member, wanted, match) == want);
}

TEST_CASE("the stored form joins with a semicolon and splits back") {
    const Tags tags{"历史小说", "乐高"};
    CHECK(join_tags(tags) == "历史小说;乐高");
    CHECK(split_tags(join_tags(tags)) == tags);
    CHECK(split_tags("").empty());
    CHECK(parse_tag_match("all") == TagMatch::all);
    CHECK(parse_tag_match("any") == TagMatch::any);
    CHECK_FALSE(parse_tag_match("ALL"));
}
