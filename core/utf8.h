// utf8.h — the little UTF-8 knowledge the importer and templates need.
//
// Validation follows RFC 3629 (no overlongs, no surrogates, nothing past
// U+10FFFF), so a GBK file read as UTF-8 is caught at the row where it starts,
// not printed as mojibake in a birthday greeting. Code-point counting is what
// a person means by "characters" in a name; SMS length, which counts UCS-2
// units, lives with the SMS rules.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace huitou {

// True when `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// The number of code points in well-formed UTF-8 `text`.
std::size_t count_code_points(std::string_view text);

// `text` without leading and trailing ASCII whitespace and U+3000 (the
// full-width space Chinese input methods type).
std::string_view trim(std::string_view text);

// True when `text` holds a C0/C1 control character (tab and newline included).
bool has_control_characters(std::string_view text);

}  // namespace huitou
