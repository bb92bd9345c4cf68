// phone_number.h — members' mobile numbers, normalized to E.164.
//
// Shops type numbers every way: "138 0013 8000", "138-0013-8000",
// "+86 13800138000", "008613800138000". libphonenumber (Google's metadata,
// Debian's libphonenumber) parses them with China as the default region and
// tells a mobile from a landline; we keep only the E.164 form ("+8613800138000")
// so every later comparison, limit and opt-out matches the same string.
// A number that is invalid, or not a mobile (an SMS cannot reach a landline),
// is rejected with the reason, at import already.
//
// libphonenumber is slow (ICU regular expressions: about 20 µs a number, half
// of a member import). Chinese mobiles written as 11 digits, plain or grouped
// 3-4-4 by spaces or dashes, take a fast path that remembers which 7-digit
// segments (号段) libphonenumber called mobile; every other number, and the
// first of each segment, still goes to libphonenumber.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huitou {

// The E.164 form of `raw`, or nullopt with a reason in `error`.
// `default_region` is the ISO 3166 region assumed for numbers without "+".
std::optional<std::string> normalize_mobile(std::string_view raw, std::string* error = nullptr,
                                            std::string_view default_region = "CN");

// The same, always through libphonenumber (no fast path): for tests.
std::optional<std::string> normalize_mobile_slowly(std::string_view raw,
                                                   std::string* error = nullptr,
                                                   std::string_view default_region = "CN");

// "+8613800138000" → "138****8000": for logs, which never carry a full number.
std::string mask_phone(std::string_view e164);

}  // namespace huitou
