// tc3_signature.h — Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256.
//
// Four steps, as Tencent's "Signature v3" document names them:
//   1. CanonicalRequest = METHOD \n URI \n QUERY \n
//        "content-type:<ct>\nhost:<host>\n" \n "content-type;host" \n hex(SHA256(payload))
//   2. StringToSign = "TC3-HMAC-SHA256" \n timestamp \n date/service/tc3_request \n
//        hex(SHA256(CanonicalRequest))
//   3. key = HMAC("TC3"+SecretKey, date) -> HMAC(., service) -> HMAC(., "tc3_request");
//      Signature = hex(HMAC(key, StringToSign))
//   4. Authorization = "TC3-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=..., Signature=..."
// `date` is the UTC date of the timestamp — never local time, or requests
// fail between 00:00 and 08:00 Beijing time.
//
// Only content-type and host are signed (what PROVIDERS.md asks for). The
// function is pure — the timestamp is an argument — so the documented example
// reproduces exactly. Not here: HTTP, the X-TC-* headers, or the clock.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace huitou {

struct Tc3Request {
    std::string_view http_method = "POST";
    std::string_view host;     // e.g. "sms.tencentcloudapi.com"
    std::string_view service;  // e.g. "sms": the first label of the host
    std::string_view content_type = "application/json; charset=utf-8";
    std::string_view canonical_uri = "/";
    std::string_view canonical_query;    // "" for POST
    std::string_view payload;            // the exact body bytes that will be sent
    std::chrono::sys_seconds timestamp;  // the X-TC-Timestamp header value
};

struct Tc3Credentials {
    std::string_view secret_id;
    std::string_view secret_key;
};

// "YYYY-MM-DD" of `t` in UTC.
std::string tc3_date(std::chrono::sys_seconds t);

// Step 1. Header values are trimmed and lower-cased, as the document requires.
std::string tc3_canonical_request(const Tc3Request& request);

// Step 2.
std::string tc3_string_to_sign(const Tc3Request& request, std::string_view canonical_request);

// Step 3: lower-case hex signature. Throws std::runtime_error only if OpenSSL fails.
std::string tc3_signature(std::string_view secret_key, std::string_view date,
                          std::string_view service, std::string_view string_to_sign);

// Step 4: the Authorization header value for `request`.
// Throws std::runtime_error only if OpenSSL fails.
std::string tc3_authorization(const Tc3Request& request, const Tc3Credentials& credentials);

}  // namespace huitou
