// api_key.h — the API key's text form, and how a presented key is checked.
//
// A key is one token, "hk_<id>_<secret>", 64 characters of [a-z2-7_]:
//   hk_       says what it is (a log scanner or secret scanner can find it)
//   <id>      8 characters, 40 random bits: public, the key's name in Redis,
//             in `huitou apikey list` and in log lines
//   <secret>  52 characters, 32 random bytes (256 bits)
// both in lower-case RFC 4648 base32 without padding: no '_' or '-' inside,
// nothing a shell, a URL or a header needs to quote, and no 0/O 1/l pairs
// to misread. The random bytes come from the I/O layer (io/api_key_store.h);
// formatting and parsing here are pure, and a malformed token is nullopt,
// never an exception.
//
// Stored: the SHA-256 of the whole token, in hex — never the token. A key is
// 256 random bits, so no one can guess it from its hash, and a fast hash
// costs an attacker as much as it costs us: a slow, salted password hash
// (Argon2id) only helps against guessing *low-entropy* secrets, and would
// cost every API request tens of milliseconds. The console's passwords
// (chosen by people) will use Argon2id; keys do not need it. Digests are
// compared in constant time (CRYPTO_memcmp): cheap, and nothing to reason
// about.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huitou {

inline constexpr std::string_view api_key_prefix = "hk_";
inline constexpr std::size_t api_key_id_bytes = 5;       // → 8 base32 characters
inline constexpr std::size_t api_key_secret_bytes = 32;  // → 52 base32 characters
inline constexpr std::size_t api_key_id_chars = 8;
inline constexpr std::size_t api_key_secret_chars = 52;
inline constexpr std::size_t api_key_chars = 3 + 8 + 1 + 52;

// Lower-case RFC 4648 base32 ("abcdefghijklmnopqrstuvwxyz234567"), no padding.
std::string base32_lower(std::string_view bytes);

// The token made of these random bytes. Asserts their sizes
// (api_key_id_bytes, api_key_secret_bytes).
std::string format_api_key(std::string_view id_bytes, std::string_view secret_bytes);

// Whether `token` claims to be an API key (starts with "hk_"): a bearer
// token of another kind (the admin token) is not checked as a key.
bool has_api_key_prefix(std::string_view token);

// The key's id when `token` is a well-formed key (prefix, lengths, alphabet,
// separator), else nullopt. Says nothing about whether the key exists.
std::optional<std::string> api_key_id(std::string_view token);

// Whether `text` could be a key's id (8 characters of the base32 alphabet).
bool is_api_key_id(std::string_view text);

// The SHA-256 of the whole token, lower-case hex (64 characters): what is
// stored. Throws std::runtime_error if OpenSSL fails (a broken library).
std::string api_key_digest(std::string_view token);

// Whether two digests are equal, in time independent of where they differ.
bool same_digest(std::string_view a, std::string_view b);

// Why `name` cannot name a key ("" when it can): 1 to 64 of a-z, 0-9, '_',
// '.', '-'.
std::string check_api_key_name(std::string_view name);

}  // namespace huitou
