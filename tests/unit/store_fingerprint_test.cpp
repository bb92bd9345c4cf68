// The fingerprint's arithmetic (core/store_fingerprint.h): an item's hash
// keeps its parts apart, a family's sum does not depend on the order the
// items come in, and two fingerprints name the families that differ.
#include "core/store_fingerprint.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace huitou;

namespace {

FamilySum sum_of(const std::vector<std::vector<std::string>>& items) {
    FamilySum s{"m", 0, 0};
    for (const auto& item : items)
        s.add(item_hash(item));
    return s;
}

}  // namespace

TEST_CASE("an item's hash: its parts in order, their boundaries kept") {
    CHECK(item_hash({"m:T0001", "name", "王"}) == item_hash({"m:T0001", "name", "王"}));
    CHECK(item_hash({"ab", "c"}) != item_hash({"a", "bc"}));
    CHECK(item_hash({"a", "b"}) != item_hash({"b", "a"}));
    CHECK(item_hash({""}) != item_hash({}));
    // The builder and the list agree.
    CHECK(ItemHash().add("due").add("birthday:T1:2027-09-15").value() ==
          item_hash(std::vector<std::string>{"due", "birthday:T1:2027-09-15"}));
}

TEST_CASE("a family's sum does not depend on the order its items are read in") {
    std::vector<std::vector<std::string>> items;
    for (int i = 0; i < 500; ++i)
        items.push_back({"m:T" + std::to_string(i), "name", "会员" + std::to_string(i)});
    const auto in_order = sum_of(items);
    CHECK(in_order.items == 500);
    std::mt19937 rng(7);
    for (int round = 0; round < 5; ++round) {
        std::shuffle(items.begin(), items.end(), rng);
        CHECK(sum_of(items) == in_order);
    }
    // Read in two halves (two shards) and added: the same sum.
    FamilySum a{"m", 0, 0}, b{"m", 0, 0};
    for (std::size_t i = 0; i < items.size(); ++i)
        (i % 3 == 0 ? a : b).add(item_hash(items[i]));
    CHECK(a.sum + b.sum == in_order.sum);
    // One value changed, one item missing, one item twice: each shows.
    auto changed = items;
    changed[17][2] = "会员X";
    CHECK(sum_of(changed).sum != in_order.sum);
    auto missing = items;
    missing.pop_back();
    CHECK(sum_of(missing) != in_order);
    auto twice = items;
    twice.push_back(items[3]);
    CHECK(sum_of(twice) != in_order);
}

TEST_CASE("two fingerprints: the families that differ") {
    const Fingerprint a{{"m", 5, 2}, {"due", 9, 1}, {"optout", 0, 0}};
    CHECK(differing_families(a, a).empty());
    Fingerprint b = a;
    b[1].sum = 10;
    CHECK(differing_families(a, b) == std::vector<std::string>{"due"});
    b = a;
    b[2].items = 1;  // same sum, another count
    CHECK(differing_families(a, b) == std::vector<std::string>{"optout"});
    b = a;
    b.push_back({"wh:q", 0, 0});
    b.erase(b.begin());
    CHECK(differing_families(a, b) == std::vector<std::string>{"m", "wh:q"});
    CHECK(to_string(Fingerprint{{"m", 255, 2}}) == "m 2 00000000000000ff\n");
}
