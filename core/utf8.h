// utf8.h — decoding UTF-8 into code points, and folding the look-alikes.
//
// SMS text arrives and leaves as UTF-8, but the rules about it are stated in
// characters: carriers count UCS-2 units, a reply "ｔｄ" typed on a Chinese
// keyboard means "td". So the text rules decode to code points first.
// Malformed input (a member name pasted from a spreadsheet in GBK, a truncated
// byte) is outside input, never a reason to assert: each offending byte
// decodes to U+FFFD, as a browser would show it, and still counts as one
// character.
//
// Folding is deliberately narrow: full-width ASCII (U+FF01–U+FF5E) to ASCII,
// the ideographic space U+3000 to ' ', and ASCII upper to lower case. No
// Unicode normalisation or case tables beyond that: ICU is for that, and these
// rules need none of it.
#pragma once

#include <string>
#include <string_view>

namespace huitou {

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
