#include "workers/crypto_util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace huitou {

namespace {

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view message) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int out_len = 0;
    // HMAC() accepts a null key pointer only with length 0; string_view::data()
    // of an empty view may be null, which OpenSSL 3 treats as "no key" — pass a
    // valid pointer so an empty secret still yields the HMAC of the empty key.
    static const unsigned char empty = 0;
    const void* key_ptr = key.empty() ? static_cast<const void*>(&empty) : key.data();
    if (HMAC(md, key_ptr, static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), out,
             &out_len) == nullptr) {
        throw std::runtime_error("OpenSSL HMAC failed");
    }
    return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int out_len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &out_len, md, nullptr) != 1) {
        throw std::runtime_error(std::string("OpenSSL ") + EVP_MD_get0_name(md) + " failed");
    }
    return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view message) {
    return hmac(EVP_sha1(), key, message);
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
    return hmac(EVP_sha256(), key, message);
}

std::string sha256(std::string_view data) {
    return digest(EVP_sha256(), data);
}

std::string sha1(std::string_view data) {
    return digest(EVP_sha1(), data);
}

std::string hex_lower(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0x0f]);
    }
    return out;
}

std::string base64(std::string_view bytes) {
    // EVP_EncodeBlock writes 4 characters per 3 input bytes plus a NUL.
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    if (n < 0) throw std::runtime_error("OpenSSL Base64 encoding failed");
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace huitou
