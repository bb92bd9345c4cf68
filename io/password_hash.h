// password_hash.h — people's passwords: Argon2id through libsodium, wrapped
// once.
//
// A console password is chosen by a person, so it may be guessable; the
// stored hash must make each guess expensive. Argon2id (libsodium's
// crypto_pwhash_str) is memory-hard: OPSLIMIT_INTERACTIVE (2 passes) over
// MEMLIMIT_INTERACTIVE (64 MiB) per check, measured in docs/security.md.
// The stored text is the PHC string "$argon2id$v=19$m=65536,t=2,p=1$salt$hash"
// with its own random salt and parameters, so raising them later keeps old
// hashes verifiable (password_needs_rehash tells when to store a new one).
//
// Hashing takes 64 MiB for tens of milliseconds: callers serialise checks
// (console/login_page.h) rather than run one per server thread at once.
// This is I/O-side because the salt is random; the rules on what a password
// may be are core/account.h.
#pragma once

#include <string>
#include <string_view>

namespace huitou {

// The stored form of `password` (a PHC string, ASCII). Throws
// std::runtime_error when libsodium cannot start or the memory is not there.
std::string hash_password(std::string_view password);

// Whether `password` matches `stored`; false for a malformed `stored` too.
bool verify_password(std::string_view stored, std::string_view password);

// Whether `stored` was made with other parameters than today's.
bool password_needs_rehash(std::string_view stored);

// Checks `password` against a hash of no account and throws the answer
// away: an unknown login name costs the same time as a known one, so the
// time of the answer does not tell which names exist.
void spend_password_check(std::string_view password);

}  // namespace huitou
