// aliyun_signature.h — Aliyun (Alibaba Cloud) RPC-style request signing, V2.
//
// Dysmsapi (SendSms, QuerySendDetails) is an RPC API: every parameter rides in
// the query string, and the request is signed by HMAC-SHA1 over
//     StringToSign = METHOD + "&" + pop_encode("/") + "&" + pop_encode(CanonicalQuery)
// where CanonicalQuery is the parameters (Signature excluded) sorted by name,
// each name and value POP-percent-encoded, joined "k=v" with "&". The key is
// AccessKeySecret + "&"; the signature is the Base64 of the MAC.
// POP encoding is RFC 3986 unreserved-only encoding: "A-Za-z0-9-_.~" stay,
// every other byte becomes %XX (upper-case hex) — so space is %20 (not '+'),
// '*' is %2A and '~' is kept (what Java's URLEncoder needs three replacements
// to reach). Note the canonical query is encoded twice in StringToSign.
//
// Pure: the caller supplies every parameter, including SignatureNonce and
// Timestamp, so a test reproduces the documented example byte for byte.
// Not here: the newer ACS3-HMAC-SHA256 scheme, HTTP, or choosing a nonce.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace huitou {

// Query parameters by name. std::map orders names by byte value, which is the
// order Aliyun's canonicalisation wants (names are ASCII).
using AliyunParams = std::map<std::string, std::string>;

// POP percent-encoding of UTF-8 bytes (see the header comment).
std::string pop_percent_encode(std::string_view bytes);

// "k1=v1&k2=v2..." over all of `params` except a "Signature" entry, sorted by
// name, names and values POP-encoded.
std::string aliyun_canonical_query(const AliyunParams& params);

// METHOD&%2F&pop_encode(canonical_query).
std::string aliyun_string_to_sign(std::string_view http_method, std::string_view canonical_query);

// Base64(HMAC-SHA1(access_key_secret + "&", string_to_sign)) for `params`.
// The result is raw Base64; POP-encode it before putting it in a URL.
// Throws std::runtime_error only if OpenSSL fails.
std::string aliyun_rpc_signature(std::string_view http_method, const AliyunParams& params,
                                 std::string_view access_key_secret);

// The full query string to send: "Signature=<encoded>&" + canonical query.
// Throws std::runtime_error only if OpenSSL fails.
std::string aliyun_signed_query(std::string_view http_method, const AliyunParams& params,
                                std::string_view access_key_secret);

}  // namespace huitou
