// fmix64.h — MurmurHash3's 64-bit finalizer: every input bit moves every
// output bit. Applied to an FNV-1a hash (stable_hash, core/send_window.h) it
// makes the high bits independent of the value mod a small count: what
// member_shard (core/store_shards.h) and the fingerprint's items
// (core/store_fingerprint.h) need. A few lines, no library.
#pragma once

#include <cstdint>

namespace huitou {

inline std::uint64_t fmix64(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

}  // namespace huitou
