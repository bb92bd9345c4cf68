#include "core/store_fingerprint.h"

#include <algorithm>
#include <cstdio>

#include "core/fmix64.h"

namespace huitou {

void ItemHash::mix(unsigned char byte) {
    state_ ^= byte;
    state_ *= 0x100000001b3ull;  // the FNV-1a 64 prime
}

ItemHash& ItemHash::add(std::string_view part) {
    std::uint64_t size = part.size();
    for (int i = 0; i < 8; ++i, size >>= 8)
        mix(static_cast<unsigned char>(size & 0xff));
    for (const char c : part)
        mix(static_cast<unsigned char>(c));
    return *this;
}

std::uint64_t ItemHash::value() const {
    return fmix64(state_);  // as member_shard finishes its hash
}

std::uint64_t item_hash(std::initializer_list<std::string_view> parts) {
    ItemHash h;
    for (const auto part : parts)
        h.add(part);
    return h.value();
}

std::uint64_t item_hash(const std::vector<std::string>& parts) {
    ItemHash h;
    for (const auto& part : parts)
        h.add(part);
    return h.value();
}

std::vector<std::string> differing_families(const Fingerprint& a, const Fingerprint& b) {
    std::vector<std::string> out;
    auto in = [](const Fingerprint& f, const std::string& family) {
        return std::find_if(f.begin(), f.end(),
                            [&](const FamilySum& s) { return s.family == family; });
    };
    for (const auto& s : a) {
        const auto other = in(b, s.family);
        if (other == b.end() || !(*other == s)) out.push_back(s.family);
    }
    for (const auto& s : b)
        if (in(a, s.family) == a.end()) out.push_back(s.family);
    return out;
}

std::string to_string(const Fingerprint& f) {
    std::string out;
    for (const auto& s : f) {
        char sum[17];
        std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(s.sum));
        out += s.family + " " + std::to_string(s.items) + " " + sum + "\n";
    }
    return out;
}

}  // namespace huitou
