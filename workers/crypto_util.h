// crypto_util.h — the few hashes, MACs and encodings the provider signers use.
//
// One thin wrapper over OpenSSL so that the Aliyun and Tencent signers read as
// their documents read ("HMAC-SHA1, then Base64"; "SHA-256, lower-case hex")
// and never touch an OpenSSL handle themselves. Byte strings travel as
// std::string: MAC outputs are raw bytes, encode them with `hex_lower` or
// `base64` where a protocol wants text.
//
// OpenSSL failing to compute a digest means the library or the machine is
// broken, not that the input was wrong: that is an environment failure and
// throws std::runtime_error. There are no expected failures here.
//
// Deliberately not here: random numbers, nonces, time. A signer takes them as
// arguments so its output is a pure function of its inputs.
#pragma once

#include <string>
#include <string_view>

namespace huitou {

// Raw 20-byte HMAC-SHA1 of `message` under `key`. Throws std::runtime_error
// if OpenSSL fails.
std::string hmac_sha1(std::string_view key, std::string_view message);

// Raw 32-byte HMAC-SHA256 of `message` under `key`. Throws std::runtime_error
// if OpenSSL fails.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Raw 32-byte SHA-256 of `data`. Throws std::runtime_error if OpenSSL fails.
std::string sha256(std::string_view data);

// Raw 20-byte SHA-1 of `data` (WeChat's message-server signatures). Throws
// std::runtime_error if OpenSSL fails.
std::string sha1(std::string_view data);

// Lower-case hexadecimal of arbitrary bytes ("\x01\xab" -> "01ab").
std::string hex_lower(std::string_view bytes);

// Standard Base64 (RFC 4648 §4, with '=' padding, no line breaks).
std::string base64(std::string_view bytes);

}  // namespace huitou
