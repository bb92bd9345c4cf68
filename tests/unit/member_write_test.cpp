#include <catch2/catch.hpp>

#include <algorithm>

#include "core/member_write.h"

using namespace huitou;

namespace {
MemberRecord record(FieldMap set, std::vector<std::string> clear = {}) {
    return MemberRecord{"toyland", "M001", std::move(set), std::move(clear)};
}
}  // namespace

TEST_CASE("a new member is created with its indexes and no consent unless given") {
    const auto w =
        plan_member_write(std::nullopt, record({{"name", "王芳"}, {"birthday", "1990-09-15"}}));
    CHECK(w.outcome == WriteOutcome::created);
    CHECK(w.set.at("sms_optin") == "0");
    CHECK(w.set.at("wechat_optin") == "0");
    // The birthday, and the counter's search by name (member_search.h).
    CHECK(w.index_add ==
          std::vector<IndexEntry>{{"bd:09-15", std::nullopt}, {"nm:王芳", std::nullopt}});
    CHECK(w.index_remove.empty());
}

TEST_CASE("writing what is stored changes nothing") {
    const FieldMap stored{
        {"name", "王芳"}, {"birthday", "1990-09-15"}, {"sms_optin", "1"}, {"wechat_optin", "0"}};
    const auto w =
        plan_member_write(stored, record({{"name", "王芳"}, {"birthday", "1990-09-15"}}));
    CHECK(w.outcome == WriteOutcome::unchanged);
    CHECK(w.set.empty());
    CHECK(w.clear.empty());
    CHECK(w.index_add.empty());
    CHECK(w.index_remove.empty());
}

TEST_CASE("a changed birthday moves the member between index entries") {
    const FieldMap stored{{"name", "王芳"}, {"birthday", "1990-09-15"}, {"sms_optin", "1"}};
    const auto w = plan_member_write(stored, record({{"birthday", "--02-29"}}));
    CHECK(w.outcome == WriteOutcome::updated);
    CHECK(w.set == FieldMap{{"birthday", "--02-29"}});
    CHECK(w.index_remove == std::vector<IndexEntry>{{"bd:09-15", std::nullopt}});
    CHECK(w.index_add == std::vector<IndexEntry>{{"bd:02-29", std::nullopt}});
    CHECK(w.guard.at("birthday") == "1990-09-15");
    CHECK(w.guard.at("card_expires").empty());
}

TEST_CASE("a cleared birthday moves to bd:none — a cleared absent field is no change") {
    const FieldMap stored{{"birthday", "1990-09-15"}, {"sms_optin", "1"}};
    const auto w = plan_member_write(stored, record({}, {"birthday", "tier"}));
    CHECK(w.outcome == WriteOutcome::updated);
    CHECK(w.clear == std::vector<std::string>{"birthday"});
    CHECK(w.index_remove == std::vector<IndexEntry>{{"bd:09-15", std::nullopt}});
    CHECK(w.index_add == std::vector<IndexEntry>{{"bd:none", std::nullopt}});
    const auto nothing = plan_member_write(FieldMap{{"sms_optin", "1"}}, record({}, {"tier"}));
    CHECK(nothing.outcome == WriteOutcome::unchanged);
}

namespace {
using Entries = std::vector<IndexEntry>;
IndexEntry set(std::string key) {
    return {std::move(key), std::nullopt};
}
Member member_with(FieldMap fields) {
    return member_from_fields("toyland", "M001", fields);
}
}  // namespace

TEST_CASE("every member is in exactly one own-birthday set") {
    CHECK(member_index_entries(member_with({})) == Entries{set("bd:none")});
    CHECK(member_index_entries(member_with({{"birthday", "lunar:1990-08-15"}})) ==
          Entries{set("lbd:08-15")});
    CHECK(member_index_entries(member_with({{"birthday", "lunar:1990-leap05-10"}})) ==
          Entries{set("lbd:leap05-10")});
    // A stored birthday that no longer parses is no birthday.
    CHECK(member_index_entries(member_with({{"birthday", "garbage"}})) == Entries{set("bd:none")});
    const auto keys = member_partition_keys();
    CHECK(keys.size() == 366 + 720 + 1);
    CHECK(std::count(keys.begin(), keys.end(), "bd:none") == 1);
    CHECK(std::count(keys.begin(), keys.end(), "lbd:leap12-30") == 1);
}

TEST_CASE("children's birthdays and the card expiry have their own indexes") {
    Member m = member_with({{"birthday", "1990-09-15"}, {"card_expires", "2027-09-22"}});
    m.children = {Child{"小明", parse_birthday("2019-06-01"), Gender::male},
                  Child{"小红", parse_birthday("lunar:2021-08-15"), Gender::female},
                  Child{"小刚", parse_birthday("2020-06-01"), Gender::unknown},  // same day: once
                  Child{"小丽", std::nullopt, Gender::female}};                  // no birthday
    CHECK(member_index_entries(m) ==
          Entries{set("bd:09-15"), set("cbd:06-01"), set("clbd:08-15"), set("exp:2027-09-22")});
}

TEST_CASE("a renewed card moves to its new expiry day") {
    const FieldMap stored{{"card_expires", "2027-09-22"}, {"sms_optin", "1"}};
    const auto w = plan_member_write(stored, record({{"card_expires", "2028-09-22"}}));
    CHECK(w.index_remove == Entries{set("exp:2027-09-22")});
    CHECK(w.index_add == Entries{set("exp:2028-09-22")});
    CHECK(w.guard.at("card_expires") == "2027-09-22");
    CHECK(w.guard.at("children").empty());
}

TEST_CASE("children listed in another order change nothing") {
    const std::vector<Child> children{Child{"小明", parse_birthday("2019-06-01"), Gender::male},
                                      Child{"小红", parse_birthday("2021-03-08"), Gender::female}};
    const std::vector<Child> reversed{children[1], children[0]};
    CHECK(encode_children(children) == encode_children(reversed));
    const FieldMap stored{{"children", encode_children(children)}, {"sms_optin", "1"}};
    const auto w = plan_member_write(stored, record({{"children", encode_children(reversed)}}));
    CHECK(w.outcome == WriteOutcome::unchanged);

    SECTION("a child's birthday corrected moves the member between child indexes") {
        auto changed = children;
        changed[1].birthday = parse_birthday("2021-03-09");
        const auto u = plan_member_write(stored, record({{"children", encode_children(changed)}}));
        CHECK(u.outcome == WriteOutcome::updated);
        CHECK(u.index_remove == Entries{set("cbd:03-08")});
        CHECK(u.index_add == Entries{set("cbd:03-09")});
        CHECK(u.guard.at("children") == encode_children(children));
    }
}

TEST_CASE("an openid puts the member under its last two characters — a new one moves her") {
    // How an opt-out naming only an openid finds its member (o2:, io/consent_store.h).
    CHECK(openid_index_key("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o") == "o2:6o");
    CHECK(openid_index_key("o").empty());
    CHECK(openid_index_key("").empty());
    CHECK(member_index_entries(member_with({{"openid", "oTOY_M1-x"}})) ==
          Entries{set("bd:none"), set("o2:-x")});

    const FieldMap stored{{"openid", "oTOY_M1-x"}, {"sms_optin", "1"}};
    const auto moved = plan_member_write(stored, record({{"openid", "oTOY_M1_y"}}));
    CHECK(moved.index_remove == Entries{set("o2:-x")});
    CHECK(moved.index_add == Entries{set("o2:_y")});
    // A concurrent change of the openid fails the write's guard: the index
    // entry it removes is the one of the openid it read.
    CHECK(moved.guard.at("openid") == "oTOY_M1-x");
    const auto cleared = plan_member_write(stored, record({}, {"openid"}));
    CHECK(cleared.index_remove == Entries{set("o2:-x")});
    CHECK(cleared.index_add.empty());
    // The same last two characters: no index change.
    const auto same_end = plan_member_write(stored, record({{"openid", "oOTHER-x"}}));
    CHECK(same_end.index_remove.empty());
    CHECK(same_end.index_add.empty());
}

TEST_CASE("points that can lapse put the member under their last day — spent points leave it") {
    const FieldMap stored{{"points", "1200"}, {"points_expire", "2027-09-22"}, {"sms_optin", "1"}};
    const IndexEntry sept22{"pts:2027-09-22", std::nullopt};
    SECTION("a new member with points and a date") {
        const auto w = plan_member_write(
            std::nullopt, record({{"points", "1200"}, {"points_expire", "2027-09-22"}}));
        CHECK(std::find(w.index_add.begin(), w.index_add.end(), sept22) != w.index_add.end());
    }
    SECTION("points spent to 0 (cleared): out of the index, the date kept") {
        const auto w = plan_member_write(stored, record({}, {"points"}));
        CHECK(w.index_remove == std::vector<IndexEntry>{sept22});
        CHECK(w.clear == std::vector<std::string>{"points"});
    }
    SECTION("a new date moves her; the guard holds both fields") {
        const auto w = plan_member_write(stored, record({{"points_expire", "2028-03-31"}}));
        CHECK(w.index_remove == std::vector<IndexEntry>{sept22});
        CHECK(w.index_add == std::vector<IndexEntry>{{"pts:2028-03-31", std::nullopt}});
        CHECK(w.guard.at("points") == "1200");
        CHECK(w.guard.at("points_expire") == "2027-09-22");
    }
    SECTION("stored as written, read back, absent when none") {
        const Member m = member_from_fields("toyland", "M001", stored);
        CHECK(m.points == 1200);
        CHECK(m.points_expire == parse_date("2027-09-22"));
        CHECK(to_fields(m).at("points") == "1200");
        Member none = m;
        none.points = 0;
        none.points_expire.reset();
        CHECK_FALSE(to_fields(none).contains("points"));
        CHECK_FALSE(to_fields(none).contains("points_expire"));
        // A damaged value is dropped, the member kept.
        CHECK(member_from_fields("toyland", "M001", {{"points", "-3"}}).points == 0);
    }
}
