#include <catch2/catch.hpp>

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
    CHECK(w.index_add == std::vector<IndexEntry>{{"bd:09-15", std::nullopt}});
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

TEST_CASE("a cleared birthday leaves the index; a cleared absent field is no change") {
    const FieldMap stored{{"birthday", "1990-09-15"}, {"sms_optin", "1"}};
    const auto w = plan_member_write(stored, record({}, {"birthday", "tier"}));
    CHECK(w.outcome == WriteOutcome::updated);
    CHECK(w.clear == std::vector<std::string>{"birthday"});
    CHECK(w.index_remove.size() == 1);
    CHECK(w.index_add.empty());
    const auto nothing = plan_member_write(FieldMap{{"sms_optin", "1"}}, record({}, {"tier"}));
    CHECK(nothing.outcome == WriteOutcome::unchanged);
}
