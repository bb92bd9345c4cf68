#include "core/log_mask.h"

#include <catch2/catch.hpp>

#include "core/phone_number.h"

using namespace huitou;

TEST_CASE("openids keep their first and last four characters in logs") {
    const auto [openid, masked] = GENERATE(table<std::string, std::string>({
        {"oAbCdEfGhIjKlMnOpQrStUvWxYz9", "oAbC****xYz9"},
        {"o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "o6_b****fL2M"},
        {"abcdefghijkl", "abcd****ijkl"},  // the shortest that keeps both ends
        {"abcdefghijk", "****"},
        {"", "****"},
        {"王芳王芳王芳王芳", "****"},   // not an openid: shows nothing
        {"oAbCdEf\nGhIjKlMn", "****"},  // a control character could forge a log line
    }));
    CHECK(mask_openid(openid) == masked);
}

TEST_CASE("a recipient is masked by its channel") {
    CHECK(mask_recipient(Channel::sms, "+8613800138000") == "138****8000");
    CHECK(mask_recipient(Channel::sms, "13800138000") == "138****8000");
    CHECK(mask_recipient(Channel::sms, "+6591234567") == "+65****4567");
    CHECK(mask_recipient(Channel::sms, "12345") == "*****");
    CHECK(mask_recipient(Channel::wechat, "oAbCdEfGhIjKlMnOpQrStUvWxYz9") == "oAbC****xYz9");
}
