#include "workers/aliyun_signature.h"

#include "workers/crypto_util.h"

namespace huitou {

namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string pop_percent_encode(std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (unsigned char c : bytes) {
        if (is_unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        }
    }
    return out;
}

std::string aliyun_canonical_query(const AliyunParams& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        if (name == "Signature") continue;  // the signature never signs itself
        if (!out.empty()) out.push_back('&');
        out += pop_percent_encode(name);
        out.push_back('=');
        out += pop_percent_encode(value);
    }
    return out;
}

std::string aliyun_string_to_sign(std::string_view http_method, std::string_view canonical_query) {
    std::string out(http_method);
    out += "&";
    out += pop_percent_encode("/");
    out += "&";
    out += pop_percent_encode(canonical_query);
    return out;
}

std::string aliyun_rpc_signature(std::string_view http_method, const AliyunParams& params,
                                 std::string_view access_key_secret) {
    const std::string to_sign = aliyun_string_to_sign(http_method, aliyun_canonical_query(params));
    const std::string key = std::string(access_key_secret) + "&";
    return base64(hmac_sha1(key, to_sign));
}

std::string aliyun_signed_query(std::string_view http_method, const AliyunParams& params,
                                std::string_view access_key_secret) {
    std::string out = "Signature=";
    out += pop_percent_encode(aliyun_rpc_signature(http_method, params, access_key_secret));
    const std::string query = aliyun_canonical_query(params);
    if (!query.empty()) out += "&" + query;
    return out;
}

}  // namespace huitou
