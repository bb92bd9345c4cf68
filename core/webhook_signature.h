// webhook_signature.h — how a webhook call proves it came from huitou.
//
// Each call carries three headers: Huitou-Webhook-Id (the event id, the
// same on every retry and replay, so a receiver can deduplicate),
// Huitou-Webhook-Timestamp (Unix seconds when this attempt was signed) and
// Huitou-Webhook-Signature: "v1=" + lower-case hex HMAC-SHA256 under the
// endpoint's secret of "<timestamp>.<body>". Signing the timestamp with the
// body lets a receiver refuse a captured call replayed later (compare the
// timestamp with its clock, e.g. 5 minutes); the "v1=" names the scheme so a
// second one can be added beside it during a change. The same shape as
// Stripe's and Standard Webhooks' (which differ only in the header names and
// in Base64): a recipe a shop's developer has seen before, in any language
// with an HMAC (docs/webhooks.md has one in Python and one in openssl).
// Pure: the secret, time and body are arguments.
#pragma once

#include <string>
#include <string_view>

namespace huitou {

inline constexpr std::string_view webhook_id_header = "Huitou-Webhook-Id";
inline constexpr std::string_view webhook_timestamp_header = "Huitou-Webhook-Timestamp";
inline constexpr std::string_view webhook_signature_header = "Huitou-Webhook-Signature";

// "v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>". Throws
// std::runtime_error if OpenSSL fails (a broken library, not bad input).
std::string webhook_signature(std::string_view secret, long long timestamp, std::string_view body);

}  // namespace huitou
