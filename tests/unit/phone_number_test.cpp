#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>

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

TEST_CASE("the fast path for 11-digit mobiles agrees with libphonenumber") {
    // Numbers in clusters of one 7-digit segment (号段), where the fast path
    // reuses the first answer, over every segment start 10..19 and plenty of
    // random ones; written plain, grouped 3-4-4 with spaces or dashes, with
    // +86 and with 0086. Both the number and
    // the reason must be the same.
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    std::size_t compared = 0, mobiles = 0;
    for (int cluster = 0; cluster < 3000; ++cluster) {
        const long segment = 1000000 + static_cast<long>(next() % 1000000);
        for (int k = 0; k < 12; ++k) {
            const auto suffix = k == 0 ? 0 : k == 1 ? 9999 : static_cast<int>(next() % 10000);
            char digits[16];
            std::snprintf(digits, sizeof digits, "%07ld%04d", segment, suffix);
            const std::string d(digits);
            const std::string grouped = d.substr(0, 3) + " " + d.substr(3, 4) + " " + d.substr(7);
            const std::string dashed = d.substr(0, 3) + "-" + d.substr(3, 4) + "-" + d.substr(7);
            const std::string forms[] = {d,      "+86" + d,        "0086" + d, grouped,
                                         dashed, "+86 " + grouped, "+86-" + d, "0086 " + dashed};
            const auto& raw = forms[k % 8];
            std::string fast_error, slow_error;
            const auto fast = normalize_mobile(raw, &fast_error);
            const auto slow = normalize_mobile_slowly(raw, &slow_error);
            REQUIRE(fast == slow);
            REQUIRE(fast_error == slow_error);
            ++compared;
            mobiles += fast ? 1 : 0;
        }
    }
    CHECK(compared == 36000);
    CHECK(mobiles > 1000);  // the sample holds plenty of real mobiles
}

// A test case of its own: Catch2 runs a whole test case again for each
// value a GENERATE gives, so beside the loop above it ran those 36,000
// comparisons 24 times (120 s of the suite under the sanitizers).
TEST_CASE("the shapes that never take the fast path agree with libphonenumber too") {
    // Other regions, landlines, carrier prefixes, short and odd inputs.
    const auto raw =
        GENERATE(as<std::string>{}, "+1 650 253 0000", "+44 7911 123456", "+852 9123 4567",
                 "+86 10 6234 5678", "0086 10 62345678", "+800 1234 5678", "1259313800138000",
                 "1795113800138000", "+8613800138000", "8613800138000", "13800138000x",
                 "1380013800", "138001380001", "+86 138 0013 8000", "19912345678", "14012345678",
                 // separators the fast path does not take: mixed, misplaced, doubled, leading
                 "138 0013-8000", "1380 013 8000", "138  0013 8000", " 13800138000", "-13800138000",
                 "+86  13800138000", "138 0013 800x", "+86 138-0013-8000 ");
    std::string fast_error, slow_error;
    CHECK(normalize_mobile(raw, &fast_error) == normalize_mobile_slowly(raw, &slow_error));
    CHECK(fast_error == slow_error);
}
