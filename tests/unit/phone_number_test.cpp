#include <catch2/catch.hpp>

#include "core/phone_number.h"

using namespace huitou;

TEST_CASE("mobile numbers are normalized to E.164") {
    const auto [raw, e164] = GENERATE(table<std::string, std::string>({
        {"13800138000", "+8613800138000"},
        {"138 0013 8000", "+8613800138000"},
        {"138-0013-8000", "+8613800138000"},
        {"+86 138 0013 8000", "+8613800138000"},
        {"008613800138000", "+8613800138000"},
        {"+65 9123 4567", "+6591234567"},
    }));
    CHECK(normalize_mobile(raw) == e164);
}

TEST_CASE("what cannot receive an SMS is refused with a reason") {
    const auto [raw, fragment] = GENERATE(table<std::string, std::string>({
        {"1380013", "is not a valid number"},
        {"010-62345678", "is not a mobile number"},
        {"hello", "is not a phone number"},
        {"12345678901", "is not a valid number"},
    }));
    std::string error;
    CHECK_FALSE(normalize_mobile(raw, &error));
    CHECK_THAT(error, Catch::Contains(fragment));
}

TEST_CASE("logs see a masked number") {
    CHECK(mask_phone("+8613800138000") == "138****8000");
    CHECK(mask_phone("+6591234567") == "+65****4567");
}
