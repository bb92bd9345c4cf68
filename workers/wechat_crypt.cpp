#include "workers/wechat_crypt.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace huitou {
namespace {

constexpr std::size_t block = 32;  // WeChat pads to 32 bytes, not AES's 16

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int pad = 0;
        unsigned v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 2 && (k == 3 || text[i + 3] == '=')) {
                ++pad;
                v <<= 6;
                continue;
            }
            const int d = base64_value(c);
            if (d < 0 || pad > 0) return std::nullopt;
            v = (v << 6) | static_cast<unsigned>(d);
        }
        out.push_back(static_cast<char>(v >> 16));
        if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
    }
    return out;
}

WechatCrypt::WechatCrypt(std::string_view encoding_aes_key, std::string app_id)
    : app_id_(std::move(app_id)) {
    if (encoding_aes_key.size() != 43)
        throw std::invalid_argument("expected 43 characters, got " +
                                    std::to_string(encoding_aes_key.size()));
    const auto key = base64_decode(std::string(encoding_aes_key) + "=");
    if (!key || key->size() != 32)
        throw std::invalid_argument("not the Base64 of a 32-byte key (A-Z a-z 0-9 + /)");
    key_ = *key;
    if (app_id_.empty()) throw std::invalid_argument("the account's app_id is required");
}

std::optional<std::string> WechatCrypt::decrypt(std::string_view encrypted,
                                                std::string* error) const {
    const auto fail = [error](std::string why) -> std::optional<std::string> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    const auto cipher = base64_decode(encrypted);
    if (!cipher) return fail("Encrypt: not Base64");
    if (cipher->empty() || cipher->size() % block != 0)
        return fail("Encrypt: " + std::to_string(cipher->size()) + " bytes, not a multiple of 32");
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                        &EVP_CIPHER_CTX_free);
    if (!ctx) throw std::bad_alloc();
    const auto* key = reinterpret_cast<const unsigned char*>(key_.data());
    std::string plain(cipher->size() + block, '\0');
    int len = 0, tail = 0;
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key, key) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                          reinterpret_cast<const unsigned char*>(cipher->data()),
                          static_cast<int>(cipher->size())) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                            &tail) != 1) {
        throw std::runtime_error("OpenSSL AES-256-CBC decryption failed");
    }
    plain.resize(static_cast<std::size_t>(len + tail));

    // PKCS#7 to 32 bytes: n bytes of value n, 1 ≤ n ≤ 32. A wrong key shows here.
    const auto pad = static_cast<unsigned char>(plain.back());
    if (pad == 0 || pad > block || pad > plain.size())
        return fail("Encrypt: bad padding (wrong EncodingAESKey?)");
    for (std::size_t i = plain.size() - pad; i < plain.size(); ++i)
        if (static_cast<unsigned char>(plain[i]) != pad)
            return fail("Encrypt: bad padding (wrong EncodingAESKey?)");
    plain.resize(plain.size() - pad);

    if (plain.size() < 20) return fail("Encrypt: shorter than its header");
    std::size_t msg_len = 0;
    for (std::size_t i = 16; i < 20; ++i)
        msg_len = (msg_len << 8) | static_cast<unsigned char>(plain[i]);
    if (msg_len > plain.size() - 20) return fail("Encrypt: the length field runs past the end");
    const std::string_view rest(plain.data() + 20 + msg_len, plain.size() - 20 - msg_len);
    if (rest != app_id_)
        return fail("Encrypt: for appid \"" + std::string(rest) + "\", not this account's");
    return plain.substr(20, msg_len);
}

}  // namespace huitou
