#include <catch2/catch.hpp>

#include "core/member_search.h"
#include "core/member_write.h"

using namespace huitou;

namespace {

Member member(std::string name, std::string phone = "") {
    Member m;
    m.store = "toyland";
    m.id = "T0001";
    m.name = std::move(name);
    m.phone = std::move(phone);
    return m;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("a member's search keys: name and given-name prefixes, the phone's last four") {
    CHECK(search_index_keys(member("王小明", "+8613800138001")) ==
          Keys{"nm:王小", "nm:王小明", "nm:小明", "p4:8001"});
    // A given name of one character is not indexed on its own.
    CHECK(search_index_keys(member("王芳")) == Keys{"nm:王芳"});
    // A compound surname; only the first kNamePrefix characters.
    CHECK(search_index_keys(member("欧阳娜娜")) == Keys{"nm:欧阳", "nm:欧阳娜", "nm:娜娜"});
    CHECK(search_index_keys(member("司马相如也")) ==
          Keys{"nm:司马", "nm:司马相", "nm:相如", "nm:相如也"});
    // Latin letters folded, spaces dropped; no given name without a Chinese surname.
    CHECK(search_index_keys(member("Lily Wang", "+6591234567")) ==
          Keys{"nm:li", "nm:lil", "p4:4567"});
    // A name of one character is its own key; each key once.
    CHECK(search_index_keys(member("晶")) == Keys{"nm:晶"});
    CHECK(search_index_keys(member("小小小")) == Keys{"nm:小小", "nm:小小小"});
    CHECK(search_index_keys(member("")).empty());
    CHECK(search_index_keys(member("", "+861")).empty());  // no four digits
}

TEST_CASE("a query is read as a member number, four digits and a name") {
    auto q = read_member_query("  T0001 ");
    CHECK(q.text == "T0001");
    CHECK(q.may_be_id);
    CHECK(q.last4.empty());
    CHECK(q.name_index_key() == "nm:t00");
    q = read_member_query("８００１");  // full-width
    CHECK(q.last4 == "8001");
    CHECK_FALSE(q.may_be_id);  // not ASCII
    q = read_member_query("8001");
    CHECK(q.last4 == "8001");
    CHECK(q.may_be_id);
    q = read_member_query("王 小 明 同 学");
    CHECK(q.name == "王小明同学");
    CHECK(q.name_index_key() == "nm:王小明");
    CHECK_FALSE(name_too_short(q));
    CHECK(read_member_query("   ").name_index_key().empty());
    CHECK(name_too_short(read_member_query("王")));
    CHECK_FALSE(name_too_short(read_member_query("A")));  // may be a member number
}

TEST_CASE("a candidate passes when its stored name or phone still matches") {
    const auto m = member("王小明", "+8613800138001");
    CHECK(name_matches(m, "王"));
    CHECK(name_matches(m, "王小明"));
    CHECK(name_matches(m, "小明"));
    CHECK_FALSE(name_matches(m, "明"));
    CHECK_FALSE(name_matches(m, "王小明同学"));
    CHECK_FALSE(name_matches(m, ""));
    CHECK(phone_matches(m, "8001"));
    CHECK_FALSE(phone_matches(m, "8002"));
    CHECK_FALSE(phone_matches(m, ""));
    CHECK(name_matches(member("Lily Wang"), "lilyw"));
}

TEST_CASE("member writes carry the search keys and guard the name and phone") {
    MemberRecord r;
    r.store = "toyland";
    r.id = "T0001";
    r.set = {{"name", "马小云"}, {"phone", "+8613800139999"}};
    auto w = plan_member_write(std::nullopt, r);
    auto added = [&w](const std::string& key) {
        return std::find(w.index_add.begin(), w.index_add.end(), IndexEntry{key, std::nullopt}) !=
               w.index_add.end();
    };
    CHECK(added("nm:马小云"));
    CHECK(added("p4:9999"));
    const FieldMap stored{{"name", "马小云"}, {"phone", "+8613800139999"}, {"sms_optin", "1"}};
    r.set = {{"name", "牛小云"}};
    w = plan_member_write(stored, r);
    CHECK(w.guard.at("name") == "马小云");
    CHECK(w.guard.at("phone") == "+8613800139999");
    const Keys removed_keys = [&w] {
        Keys k;
        for (const auto& e : w.index_remove)
            k.push_back(e.key);
        return k;
    }();
    CHECK(removed_keys == Keys{"nm:马小", "nm:马小云"});
    CHECK(added("nm:牛小云"));
    CHECK_FALSE(added("nm:小云"));  // kept: no write
}
