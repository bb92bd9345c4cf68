// Webhook signatures: a vector computed outside huitou (Python's hmac and
// `openssl dgst -sha256 -hmac`, the two recipes of docs/webhooks.md), and
// what changes the signature.
#include <catch2/catch.hpp>

#include "core/webhook_signature.h"

using namespace huitou;

TEST_CASE("webhook signature: v1 = hex HMAC-SHA256 of timestamp.body") {
    // printf '%s' '1764998400.{"id":"toyland:1-0"}' | openssl dgst -sha256 -hmac whsec_test
    CHECK(webhook_signature("whsec_test", 1764998400, R"({"id":"toyland:1-0"})") ==
          "v1=67c17a624b06f83de506049da48f70a733b6c92263741e6d38c2113516cbfd9d");

    SECTION("the timestamp, the body and the secret are each signed") {
        const auto base = webhook_signature("whsec_test", 1764998400, "{}");
        CHECK(webhook_signature("whsec_test", 1764998401, "{}") != base);
        CHECK(webhook_signature("whsec_test", 1764998400, "{ }") != base);
        CHECK(webhook_signature("whsec_tesu", 1764998400, "{}") != base);
        CHECK(base.size() == 3 + 64);
    }
}
