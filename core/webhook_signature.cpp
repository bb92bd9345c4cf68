#include "core/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace huitou {

std::string webhook_signature(std::string_view secret, long long timestamp, std::string_view body) {
    const std::string message = std::to_string(timestamp) + "." + std::string(body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size))
        throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "v1=";
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(hex[mac[i] >> 4]);
        out.push_back(hex[mac[i] & 0xF]);
    }
    return out;
}

}  // namespace huitou
