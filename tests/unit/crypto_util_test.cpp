// The OpenSSL wrapper against the RFCs' own test vectors.
#include "workers/crypto_util.h"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("hashes and MACs match the RFC test vectors", "[crypto]") {
    using huitou::hex_lower;
    SECTION("SHA-256 (FIPS 180-2 'abc' and empty input)") {
        CHECK(hex_lower(huitou::sha256("abc")) ==
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(hex_lower(huitou::sha256("")) ==
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
    SECTION("HMAC-SHA256 (RFC 4231 test case 2)") {
        CHECK(hex_lower(huitou::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
    SECTION("HMAC-SHA1 (RFC 2202 test case 2)") {
        CHECK(hex_lower(huitou::hmac_sha1("Jefe", "what do ya want for nothing?")) ==
              "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }
    SECTION("an empty key is a key, not an error") {
        CHECK(huitou::hmac_sha256("", "").size() == 32);
    }
}

TEST_CASE("hex and Base64 encodings", "[crypto]") {
    const auto [input, b64] = GENERATE(table<std::string, std::string>({
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},  // RFC 4648 §10
    }));
    CHECK(huitou::base64(input) == b64);
    CHECK(huitou::hex_lower(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
}
