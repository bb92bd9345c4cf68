// provider_signatures.h — the test servers' own check of a provider signature.
//
// A fake Aliyun or Tencent must refuse a request that the real one would
// refuse, so it verifies every signature itself — and with its own code,
// written from the providers' documents, never with workers/aliyun_signature.*
// or workers/tc3_signature.* (a fake that shares the signer's mistakes would
// accept them). OpenSSL is called directly here for the MACs and hashes.
//
//   Aliyun RPC (HMAC-SHA1): percent-encode each name and value per RFC 3986
//   (unreserved A-Z a-z 0-9 - _ . ~ kept, the rest %XX upper case), sort by
//   name, join name=value with '&'; StringToSign = METHOD + "&%2F&" +
//   encode(that query); Signature = base64(HMAC-SHA1(secret + "&", it)).
//
//   Tencent TC3-HMAC-SHA256: CanonicalRequest = METHOD \n / \n query \n
//   signed headers as "name:value\n" (lower case, trimmed) \n SignedHeaders \n
//   hex(SHA256(body)); StringToSign = "TC3-HMAC-SHA256\n" + timestamp + "\n" +
//   date/service/tc3_request + "\n" + hex(SHA256(CanonicalRequest)); the key
//   is HMAC("TC3" + secret, date) → service → "tc3_request"; Signature =
//   hex(HMAC-SHA256(key, StringToSign)).
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace huitou::test {

inline std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

inline std::string to_hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : bytes) {
        hex += digits[c >> 4];
        hex += digits[c & 15];
    }
    return hex;
}

inline std::string sha256_hex(const std::string& data) {
    unsigned char out[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
    return to_hex(std::string(reinterpret_cast<const char*>(out), sizeof out));
}

inline std::string to_base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// RFC 3986 percent-encoding, as Aliyun's signing document asks.
inline std::string rfc3986(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            static const char* digits = "0123456789ABCDEF";
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

// Aliyun's RPC signature of `params` (the request's parameters without
// Signature) under `secret`.
inline std::string aliyun_expected_signature(const std::string& method,
                                             const std::map<std::string, std::string>& params,
                                             const std::string& secret) {
    std::string query;
    for (const auto& [name, value] : params) {  // std::map: sorted by name
        if (name == "Signature") continue;
        if (!query.empty()) query += '&';
        query += rfc3986(name) + "=" + rfc3986(value);
    }
    const std::string to_sign = method + "&" + rfc3986("/") + "&" + rfc3986(query);
    return to_base64(hmac(EVP_sha1(), secret + "&", to_sign));
}

inline std::string trim_lower(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The parts of a TC3 Authorization header.
struct Tc3Authorization {
    std::string secret_id, date, service, signed_headers, signature;
};

inline std::optional<Tc3Authorization> parse_tc3_authorization(const std::string& header) {
    const std::string algorithm = "TC3-HMAC-SHA256 ";
    if (header.rfind(algorithm, 0) != 0) return std::nullopt;
    std::map<std::string, std::string> fields;
    std::stringstream rest(header.substr(algorithm.size()));
    std::string part;
    while (std::getline(rest, part, ',')) {
        const auto b = part.find_first_not_of(' ');
        if (b == std::string::npos) continue;
        part = part.substr(b);
        const auto eq = part.find('=');
        if (eq == std::string::npos) return std::nullopt;
        fields[part.substr(0, eq)] = part.substr(eq + 1);
    }
    Tc3Authorization a;
    std::stringstream credential(fields["Credential"]);
    std::string terminator;
    std::getline(credential, a.secret_id, '/');
    std::getline(credential, a.date, '/');
    std::getline(credential, a.service, '/');
    std::getline(credential, terminator, '/');
    a.signed_headers = fields["SignedHeaders"];
    a.signature = fields["Signature"];
    if (a.secret_id.empty() || a.date.empty() || a.service.empty() || terminator != "tc3_request" ||
        a.signed_headers.empty() || a.signature.empty())
        return std::nullopt;
    return a;
}

// The TC3 signature Tencent expects for a request: `header_value(name)` gives
// the received value of each header that SignedHeaders names.
template <typename HeaderValue>
std::string tc3_expected_signature(const std::string& method, const std::string& query,
                                   const std::string& body, const std::string& timestamp,
                                   const Tc3Authorization& a, const std::string& secret_key,
                                   HeaderValue header_value) {
    std::string canonical_headers;
    std::stringstream names(a.signed_headers);
    std::string name;
    while (std::getline(names, name, ';'))
        canonical_headers += name + ":" + trim_lower(header_value(name)) + "\n";
    const std::string canonical_request = method + "\n/\n" + query + "\n" + canonical_headers +
                                          "\n" + a.signed_headers + "\n" + sha256_hex(body);
    const std::string to_sign = "TC3-HMAC-SHA256\n" + timestamp + "\n" + a.date + "/" + a.service +
                                "/tc3_request\n" + sha256_hex(canonical_request);
    const std::string k_date = hmac(EVP_sha256(), "TC3" + secret_key, a.date);
    const std::string k_service = hmac(EVP_sha256(), k_date, a.service);
    const std::string k_signing = hmac(EVP_sha256(), k_service, "tc3_request");
    return to_hex(hmac(EVP_sha256(), k_signing, to_sign));
}

// "YYYY-MM-DD" (UTC) of a unix time.
inline std::string utc_date(long long unix_seconds) {
    const auto days = std::chrono::floor<std::chrono::days>(
        std::chrono::sys_seconds{std::chrono::seconds{unix_seconds}});
    const std::chrono::year_month_day ymd{days};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

}  // namespace huitou::test
