// date_text.h — the ways shops write a date, read as YYYY-MM-DD.
//
// Member lists come out of Excel and POS systems that write a birthday as
// 1990/8/15, 1990.8.15, 1990-8-15, 19900815 or 1990年8月15日. This only
// rewrites such text into the one form the strict parsers read
// (birthday.h, civil_time.h); whether the date exists is theirs to say, so
// every error message still comes from one place. Orders other than year
// first (15/8/1990, 8/15/1990) are deliberately not guessed: the two readings
// differ and a wrong guess greets a member on the wrong day.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huitou {

// `text` as "YYYY-MM-DD" (keeping a "lunar:" prefix) when it is a year-first
// date in one of the forms above (the canonical one included); nullopt for
// anything else, which the caller hands to the strict parser as it is.
std::optional<std::string> canonical_date_text(std::string_view text);

}  // namespace huitou
