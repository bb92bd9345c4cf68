// random_bytes.h — secrets' randomness: OpenSSL's RAND_bytes, wrapped once.
//
// API keys (io/api_key_store.h) and webhook secrets (io/webhook_store.h)
// draw their random ids and secrets here. Random numbers are I/O (the
// kernel's entropy), so they stay out of core/: the core formats bytes it is
// given.
#pragma once

#include <cstddef>
#include <string>

namespace huitou {

// `n` bytes from a cryptographically secure generator. Throws
// std::runtime_error when the system has no randomness to give (`what` names
// what it was for).
std::string random_bytes(std::size_t n, const char* what = "a secret");

}  // namespace huitou
