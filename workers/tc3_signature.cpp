#include "workers/tc3_signature.h"

#include <cstdio>

#include "workers/crypto_util.h"

namespace huitou {

namespace {

constexpr std::string_view algorithm = "TC3-HMAC-SHA256";
constexpr std::string_view signed_headers = "content-type;host";

std::string trimmed_lower(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string credential_scope(std::string_view date, std::string_view service) {
    std::string out(date);
    out += "/";
    out += service;
    out += "/tc3_request";
    return out;
}

}  // namespace

std::string tc3_date(std::chrono::sys_seconds t) {
    const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string tc3_canonical_request(const Tc3Request& request) {
    std::string out(request.http_method);
    out += "\n";
    out += request.canonical_uri;
    out += "\n";
    out += request.canonical_query;
    out += "\n";
    out += "content-type:" + trimmed_lower(request.content_type) + "\n";
    out += "host:" + trimmed_lower(request.host) + "\n";
    out += "\n";
    out += signed_headers;
    out += "\n";
    out += hex_lower(sha256(request.payload));
    return out;
}

std::string tc3_string_to_sign(const Tc3Request& request, std::string_view canonical_request) {
    std::string out(algorithm);
    out += "\n";
    out += std::to_string(request.timestamp.time_since_epoch().count());
    out += "\n";
    out += credential_scope(tc3_date(request.timestamp), request.service);
    out += "\n";
    out += hex_lower(sha256(canonical_request));
    return out;
}

std::string tc3_signature(std::string_view secret_key, std::string_view date,
                          std::string_view service, std::string_view string_to_sign) {
    const std::string secret_date = hmac_sha256("TC3" + std::string(secret_key), date);
    const std::string secret_service = hmac_sha256(secret_date, service);
    const std::string secret_signing = hmac_sha256(secret_service, "tc3_request");
    return hex_lower(hmac_sha256(secret_signing, string_to_sign));
}

std::string tc3_authorization(const Tc3Request& request, const Tc3Credentials& credentials) {
    const std::string date = tc3_date(request.timestamp);
    const std::string to_sign = tc3_string_to_sign(request, tc3_canonical_request(request));
    std::string out(algorithm);
    out += " Credential=";
    out += credentials.secret_id;
    out += "/" + credential_scope(date, request.service);
    out += ", SignedHeaders=";
    out += signed_headers;
    out += ", Signature=";
    out += tc3_signature(credentials.secret_key, date, request.service, to_sign);
    return out;
}

}  // namespace huitou
