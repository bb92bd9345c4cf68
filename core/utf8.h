// utf8.h — the UTF-8 knowledge the importer, templates and SMS rules need.
//
// Validation follows RFC 3629 (no overlongs, no surrogates, nothing past
// U+10FFFF), so a GBK file read as UTF-8 is caught at the row where it starts,
// not printed as mojibake in a birthday greeting. Code-point counting is what
// a person means by "characters" in a name.
//
// The SMS text rules are stated in characters (carriers count UCS-2 units; a
// reply "ｔｄ" typed on a Chinese keyboard means "td"), so they decode to code
// points first. Decoding never asserts on outside input: each byte of a
// malformed sequence decodes to U+FFFD, as a browser would show it. Folding is
// deliberately narrow: full-width ASCII (U+FF01–U+FF5E) to ASCII, the
// ideographic space U+3000 to ' ', and ASCII upper to lower case — no Unicode
// normalisation; ICU is for that, and these rules need none of it.
#pragma once

#include <cstddef>
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

// Code points of `utf8`; each byte of a malformed, overlong or surrogate
// sequence becomes one U+FFFD.
std::u32string decode_utf8(std::string_view utf8);

// UTF-8 of `text`; a code point that is not a Unicode scalar value is written
// as U+FFFD.
std::string encode_utf8(std::u32string_view text);

// Full-width ASCII to ASCII, U+3000 to ' ', A–Z to a–z; anything else as is.
char32_t fold_width_and_case(char32_t c);

// `text` with fold_width_and_case applied to every code point.
std::u32string fold_width_and_case(std::u32string_view text);

}  // namespace huitou
