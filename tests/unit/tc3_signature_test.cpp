// Tencent Cloud TC3-HMAC-SHA256 against the worked example of the
// "Signature v3" (签名方法 v3) document: CVM DescribeInstances in ap-guangzhou,
// X-TC-Timestamp 1551113065, body
//   {"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}
#include "workers/tc3_signature.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr std::string_view payload =
    R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]})";

huitou::Tc3Request cvm_example() {
    huitou::Tc3Request r;
    r.http_method = "POST";
    r.host = "cvm.tencentcloudapi.com";
    r.service = "cvm";
    r.content_type = "application/json; charset=utf-8";
    r.payload = payload;
    r.timestamp = sys_seconds{seconds{1551113065}};
    return r;
}

}  // namespace

TEST_CASE("TC3 intermediate values of the documented example", "[tc3]") {
    // These intermediate values do not depend on the key; the document prints
    // each: the payload hash 35e9c5b0..., the canonical request, the date
    // 2019-02-25 and the canonical-request hash 5ffe6a04....
    const auto request = cvm_example();
    const std::string canonical = huitou::tc3_canonical_request(request);

    SECTION("canonical request") {
        CHECK(canonical ==
              "POST\n/\n\n"
              "content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
              "content-type;host\n"
              "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
    }
    SECTION("string to sign") {
        CHECK(huitou::tc3_string_to_sign(request, canonical) ==
              "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
              "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
    }
    SECTION("the date is UTC: 1551113065 is 2019-02-26 00:44:25 in Beijing") {
        CHECK(huitou::tc3_date(request.timestamp) == "2019-02-25");
        CHECK(huitou::tc3_date(sys_seconds{seconds{0}}) == "1970-01-01");
        CHECK(huitou::tc3_date(sys_seconds{seconds{1551139199}}) == "2019-02-25");
        CHECK(huitou::tc3_date(sys_seconds{seconds{1551139200}}) == "2019-02-26");
    }
    SECTION("header values are trimmed and lower-cased before signing") {
        auto messy = request;
        messy.content_type = "  Application/JSON; charset=UTF-8 ";
        messy.host = "CVM.tencentcloudapi.com";
        CHECK(huitou::tc3_canonical_request(messy) == canonical);
    }
}

TEST_CASE("TC3 signature of the documented example", "[tc3]") {
    const auto request = cvm_example();

    SECTION("English edition: SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE") {
        // Source: Tencent Cloud API 3.0 "Signature v3" on tencentcloud.com (the
        // copy read was a translation of that page, which keeps the example
        // verbatim): SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, SecretKey
        // Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, printed Signature
        // 72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168.
        const huitou::Tc3Credentials creds{"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                                           "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"};
        CHECK(huitou::tc3_authorization(request, creds) ==
              "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
              "tc3_request, SignedHeaders=content-type;host, "
              "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    }
    SECTION("Chinese edition: the masked key Gu5t9xGARNpq86cd98joQYCN3******* taken literally") {
        // Source: the Chinese edition (cloud.tencent.com, 签名方法 v3) masks the
        // keys as "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******" and
        // "Gu5t9xGARNpq86cd98joQYCN3*******"; its Python demo uses those literal
        // strings, and the signature below is what independent open-source TC3
        // implementations (Go, Rust, Dart, Ruby tests) assert for them. That
        // page itself was not read; the value is reproduced here all the same.
        const huitou::Tc3Credentials creds{"AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
                                           "Gu5t9xGARNpq86cd98joQYCN3*******"};
        CHECK(huitou::tc3_authorization(request, creds) ==
              "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/"
              "tc3_request, SignedHeaders=content-type;host, "
              "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c");
    }
    SECTION("the derived-key chain alone reproduces the signature from the string to sign") {
        CHECK(huitou::tc3_signature(
                  "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm",
                  "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
                  "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031") ==
              "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    }
    SECTION("a different body, service or second changes the signature") {
        const huitou::Tc3Credentials creds{"id", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"};
        const std::string base = huitou::tc3_authorization(request, creds);
        auto other = request;
        other.payload = R"({"Limit": 2})";
        CHECK(huitou::tc3_authorization(other, creds) != base);
        other = request;
        other.service = "sms";
        CHECK(huitou::tc3_authorization(other, creds) != base);
        other = request;
        other.timestamp += seconds{1};
        CHECK(huitou::tc3_authorization(other, creds) != base);
    }
}
