// Approval before send (core/day_approval.h): which day's record a claim
// reads, whether a job may be claimed, and what the approval form does.
#include <catch2/catch.hpp>

#include "core/config.h"
#include "core/day_approval.h"

using namespace huitou;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

}  // namespace

TEST_CASE("approval_day: only a store that asks for approval, its own local day") {
    const Config c = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
approve_before_send = true
[stores.la]
name = "洛城华人超市"
timezone = "America/Los_Angeles"
approve_before_send = true
[stores.babycare]
name = "贝贝母婴"
)",
                                  "t.toml");
    CHECK(c.find_store("toyland")->approve_before_send);
    CHECK_FALSE(c.find_store("babycare")->approve_before_send);
    CHECK_FALSE(approval_day(*c.find_store("babycare"), at("2027-09-15T12:00:00+08:00")));
    // 00:30 in Shanghai is still the 14th in Los Angeles.
    const auto now = at("2027-09-15T00:30:00+08:00");
    CHECK(approval_day(*c.find_store("toyland"), now) == parse_date("2027-09-15"));
    CHECK(approval_day(*c.find_store("la"), now) == parse_date("2027-09-14"));
    CHECK_THROWS_WITH(
        parse_config("[stores.x]\nname = \"x\"\napprove_before_send = \"yes\"\n", "t.toml"),
        Catch::Contains("approve_before_send") && Catch::Contains("true or false"));
}

TEST_CASE("may_claim: without approval everything goes, with it only what was approved") {
    const std::optional<Date> none;
    const std::optional<Date> day = parse_date("2027-09-15");
    CHECK(may_claim(none, false));
    CHECK(may_claim(none, true));
    CHECK_FALSE(may_claim(day, false));
    CHECK(may_claim(day, true));
}

TEST_CASE("plan_approval: ticked go, shown and unticked are cancelled, unseen wait") {
    const std::vector<std::string> planned{"a", "b", "c", "late"};
    SECTION("all ticked") {
        const auto p = plan_approval(planned, {"a", "b", "c"}, {"a", "b", "c"});
        CHECK(p.approve == std::vector<std::string>{"a", "b", "c"});
        CHECK(p.cancel.empty());
    }
    SECTION("one unticked is cancelled; one planned after the page was drawn waits") {
        const auto p = plan_approval(planned, {"a", "b", "c"}, {"c", "a"});
        CHECK(p.approve == std::vector<std::string>{"a", "c"});
        CHECK(p.cancel == std::vector<std::string>{"b"});
    }
    SECTION("a ticked job no longer planned (held, sent) is neither") {
        const auto p = plan_approval({"a"}, {"a", "gone"}, {"a", "gone"});
        CHECK(p.approve == std::vector<std::string>{"a"});
        CHECK(p.cancel.empty());
    }
    SECTION("nothing ticked cancels every job shown") {
        const auto p = plan_approval(planned, {"a", "b"}, {});
        CHECK(p.approve.empty());
        CHECK(p.cancel == std::vector<std::string>{"a", "b"});
    }
}

TEST_CASE("the errors of a held and an unapproved job name the staff account") {
    CHECK(held_error("xiaoli") == "held by staff xiaoli");
    CHECK(not_approved_error("boss") == "not approved by boss");
}
