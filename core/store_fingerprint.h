// store_fingerprint.h — the arithmetic of a store's fingerprint: one 64-bit
// hash an item, summed mod 2^64 a family (docs/architecture.md, "A store over
// K shards", "The fingerprint").
//
// `huitou reshard` copies a store from K1 shards to K2 and must prove the copy
// before it switches. It reads both layouts item by item (io/store_fingerprint.h
// says what an item is) and compares, family by family, the sums of the
// items' hashes. Addition commutes, so the sum does not depend on the order
// the items are read in — which SCAN does not fix — nor on which shard held
// an item, as long as an item is named without its shard's tag. A family
// that differs says where to look; a sum cannot say which item.
//
// The item hash: FNV-1a 64 over the item's parts, each preceded by its length
// (8 bytes, little-endian) so that ("ab", "c") and ("a", "bc") differ, then
// MurmurHash3's fmix64 finalizer. FNV-1a alone changes few high bits for a
// change in the last byte; a sum of such hashes would let two changes that
// differ in one digit cancel more easily. Both are a few lines, no library.
// Not cryptographic: it proves a copy against mistakes, not against an
// adversary who writes Redis.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

// One item's hash, built part by part.
class ItemHash {
  public:
    ItemHash& add(std::string_view part);
    // The finished hash (fmix64 of the FNV-1a state); the builder stays usable.
    std::uint64_t value() const;

  private:
    std::uint64_t state_ = 0xcbf29ce484222325ull;  // the FNV-1a 64 offset basis
    void mix(unsigned char byte);
};

// The hash of an item made of `parts`, in order.
std::uint64_t item_hash(std::initializer_list<std::string_view> parts);
std::uint64_t item_hash(const std::vector<std::string>& parts);

// One family's part of a fingerprint: the sum mod 2^64 of its items' hashes
// and how many items there were.
struct FamilySum {
    std::string family;
    std::uint64_t sum = 0;
    std::uint64_t items = 0;

    void add(std::uint64_t hash) {
        sum += hash;  // unsigned: wraps mod 2^64
        ++items;
    }
    friend bool operator==(const FamilySum&, const FamilySum&) = default;
};

// A store's fingerprint: every family's sum, in a fixed order (a family with
// no items is there with 0 and 0).
using Fingerprint = std::vector<FamilySum>;

// The families whose sum or item count differ between `a` and `b`, in a's
// order, then those only `b` has. Empty: the fingerprints are equal.
std::vector<std::string> differing_families(const Fingerprint& a, const Fingerprint& b);

// A family's sum as text, "m 42 0123456789abcdef", one line each: what the
// command and the tests print.
std::string to_string(const Fingerprint& f);

}  // namespace huitou
