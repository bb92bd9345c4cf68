#include "core/api_key.h"

#include <cassert>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace huitou {
namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";

bool all_base32(std::string_view text) {
    return text.find_first_not_of(alphabet) == std::string_view::npos;
}

}  // namespace

std::string base32_lower(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    unsigned buffer = 0;
    int bits = 0;
    for (const unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out += alphabet[(buffer >> bits) & 31];
        }
    }
    if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
    return out;
}

std::string format_api_key(std::string_view id_bytes, std::string_view secret_bytes) {
    assert(id_bytes.size() == api_key_id_bytes);
    assert(secret_bytes.size() == api_key_secret_bytes);
    return std::string(api_key_prefix) + base32_lower(id_bytes) + "_" + base32_lower(secret_bytes);
}

bool has_api_key_prefix(std::string_view token) {
    return token.starts_with(api_key_prefix);
}

bool is_api_key_id(std::string_view text) {
    return text.size() == api_key_id_chars && all_base32(text);
}

std::optional<std::string> api_key_id(std::string_view token) {
    if (token.size() != api_key_chars || !has_api_key_prefix(token)) return std::nullopt;
    const auto id = token.substr(api_key_prefix.size(), api_key_id_chars);
    const auto separator = api_key_prefix.size() + api_key_id_chars;
    const auto secret = token.substr(separator + 1);
    if (token[separator] != '_' || !is_api_key_id(id) || !all_base32(secret)) return std::nullopt;
    return std::string(id);
}

std::string api_key_digest(std::string_view token) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(token.data(), token.size(), digest, &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL could not compute SHA-256");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (unsigned i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

bool same_digest(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string check_api_key_name(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return "a key's name has 1 to 64 characters, got " + std::to_string(name.size());
    for (const char c : name) {
        const bool fine =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!fine) return "a key's name may hold only a-z, 0-9, '_', '.' and '-'";
    }
    return "";
}

}  // namespace huitou
