// The API key's text form, its digest and the name rule; the Identity's store
// and scope rules (core/api_key.h, core/identity.h).
#include "core/api_key.h"

#include <catch2/catch.hpp>

#include <string>

#include "core/identity.h"

using namespace huitou;

namespace {

// 5 id bytes and 32 secret bytes, fixed, so the token is known.
const std::string id_bytes("\x00\x44\x32\x14\xc7", 5);
std::string secret_bytes() {
    std::string s;
    for (int i = 0; i < 32; ++i)
        s += static_cast<char>(i * 8 + 3);
    return s;
}

}  // namespace

TEST_CASE("base32 is RFC 4648's alphabet in lower case, without padding", "[api_key]") {
    const auto [input, encoded] = GENERATE(table<std::string, std::string>({
        {"", ""},
        {"f", "my"},
        {"fo", "mzxq"},
        {"foo", "mzxw6"},
        {"foob", "mzxw6yq"},
        {"fooba", "mzxw6ytb"},
        {"foobar", "mzxw6ytboi"},  // RFC 4648 §10, "MZXW6YTBOI======"
    }));
    CHECK(base32_lower(input) == encoded);
}

TEST_CASE("a key is hk_<8 id chars>_<52 secret chars>", "[api_key]") {
    const auto token = format_api_key(id_bytes, secret_bytes());
    CHECK(token.size() == api_key_chars);
    CHECK(token.size() == 64);
    CHECK(token.starts_with("hk_abcdefgh_"));  // 00 44 32 14 c7 → abcdefgh
    CHECK(api_key_id(token) == std::string("abcdefgh"));
    CHECK(has_api_key_prefix(token));
    CHECK(is_api_key_id("abcdefgh"));

    SECTION("anything else is not a key, as a value") {
        auto bad =
            GENERATE_COPY(std::string(""), std::string("hk_"), std::string("s3cret-admin-token"),
                          token.substr(0, 63),                           // one short
                          token + "a",                                   // one long
                          "hK_" + token.substr(3),                       // prefix
                          "hk_abcdefgh-" + token.substr(12),             // separator
                          "hk_ABCDEFGH_" + token.substr(12),             // upper-case id
                          "hk_abcdefg1_" + token.substr(12),             // '1' is not base32
                          token.substr(0, 20) + "=" + token.substr(21),  // padding in the secret
                          token.substr(0, 40) + "_" + token.substr(41));
        INFO(bad);
        CHECK_FALSE(api_key_id(bad));
    }
    SECTION("ids") {
        CHECK_FALSE(is_api_key_id("abcdefg"));
        CHECK_FALSE(is_api_key_id("abcdefghi"));
        CHECK_FALSE(is_api_key_id("abcdefg0"));
        CHECK_FALSE(has_api_key_prefix("Bearer hk_"));
    }
}

TEST_CASE("the stored digest is the SHA-256 of the whole token, compared in constant time",
          "[api_key]") {
    // FIPS 180-2's "abc".
    CHECK(api_key_digest("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const auto token = format_api_key(id_bytes, secret_bytes());
    const auto digest = api_key_digest(token);
    CHECK(digest.size() == 64);
    CHECK(digest.find(token) == std::string::npos);
    CHECK(same_digest(digest, api_key_digest(token)));
    std::string other = token;
    other.back() = other.back() == 'a' ? 'b' : 'a';
    CHECK_FALSE(same_digest(digest, api_key_digest(other)));
    CHECK_FALSE(same_digest(digest, digest.substr(0, 63)));
    CHECK_FALSE(same_digest(digest, ""));
    CHECK(same_digest("", ""));
}

TEST_CASE("a key's name: 1 to 64 of a-z 0-9 _ . -", "[api_key]") {
    CHECK(check_api_key_name("pos-sync").empty());
    CHECK(check_api_key_name("crm_export.v2").empty());
    CHECK(check_api_key_name(std::string(64, 'a')).empty());
    CHECK_FALSE(check_api_key_name("").empty());
    CHECK_FALSE(check_api_key_name(std::string(65, 'a')).empty());
    CHECK_FALSE(check_api_key_name("POS").empty());
    CHECK_FALSE(check_api_key_name("pos sync").empty());
    CHECK_FALSE(check_api_key_name("店").empty());
    CHECK_FALSE(check_api_key_name("a,b").empty());
}

TEST_CASE("an identity reads its stores, writes them with the write scope, sees no other",
          "[identity]") {
    SECTION("the admin: every store, write") {
        const auto admin = Identity::admin();
        CHECK(admin.kind == Identity::Kind::admin);
        CHECK(admin.may_read("toyland"));
        CHECK(admin.may_write("anything"));
        CHECK(admin.access("toyland", true) == StoreAccess::allowed);
    }
    SECTION("a read key of one store") {
        Identity key;
        key.stores = {"toyland"};
        key.scope = Scope::read;
        CHECK(key.may_read("toyland"));
        CHECK_FALSE(key.may_write("toyland"));
        CHECK_FALSE(key.may_read("ktv"));
        CHECK_FALSE(key.may_read("toy"));  // no prefix match
        CHECK(key.access("toyland", false) == StoreAccess::allowed);
        CHECK(key.access("toyland", true) == StoreAccess::read_only);
        CHECK(key.access("ktv", false) == StoreAccess::hidden);
        CHECK(key.access("ktv", true) == StoreAccess::hidden);  // 404 before 403
    }
    SECTION("a write key of two stores") {
        Identity key;
        key.stores = {"toyland", "ktv"};
        key.scope = Scope::write;
        CHECK(key.may_write("ktv"));
        CHECK(key.access("toyland", true) == StoreAccess::allowed);
        CHECK(key.access("cafe", false) == StoreAccess::hidden);
    }
    SECTION("a write key of every store") {
        Identity key;
        key.all_stores = true;
        key.scope = Scope::write;
        CHECK(key.may_write("any"));
    }
    SECTION("no stores is no store, never all") {
        const Identity nobody;
        CHECK_FALSE(nobody.may_read("toyland"));
        CHECK(nobody.access("toyland", false) == StoreAccess::hidden);
    }
    SECTION("scopes as text") {
        CHECK(parse_scope("read") == Scope::read);
        CHECK(parse_scope("write") == Scope::write);
        CHECK_FALSE(parse_scope("Write"));
        CHECK_FALSE(parse_scope("admin"));
        CHECK(to_string(Scope::write) == "write");
    }
}
