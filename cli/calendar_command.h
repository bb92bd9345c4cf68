// calendar_command.h — `huitou calendar`: the lunar calendar and the festivals
// as huitou sees them, to check a date before a member's greeting depends on it.
//
//   huitou calendar convert 2027-09-15        → lunar:2027-08-15
//   huitou calendar convert lunar:2027-08-15  → 2027-09-15
//   huitou calendar holidays 2027 [--store S] → 2027-09-15 mid_autumn 中秋节 ...
//
// Conversion needs neither config nor Redis. A date outside 1901–2099, a
// lunar date that does not exist (a 30th in a 29-day month, a leap month the
// year lacks) or a malformed one is one line on `err` and exit status 2.
// With `json`, the answer is JSON on `out` ({"solar": ..., "lunar": ...};
// an array of {"date", "key", "name"}); errors stay on `err`.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "core/config.h"

namespace huitou {

// Prints the other calendar's form of `text`; returns the exit status.
int calendar_convert(std::string_view text, std::ostream& out, std::ostream& err,
                     bool json = false);

// Prints one line per festival day in `year` ("2027-09-15 mid_autumn 中秋节"),
// sorted by date: every festival the config defines, or those `store`
// celebrates when given. Returns the exit status.
int calendar_holidays(const Config& config, std::string_view year, const std::string& store,
                      std::ostream& out, std::ostream& err, bool json = false);

}  // namespace huitou
