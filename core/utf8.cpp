#include "core/utf8.h"

namespace huitou {

namespace {

constexpr char32_t replacement = U'\uFFFD';

bool is_continuation(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

bool is_scalar(char32_t c) {
    return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
}

}  // namespace

std::u32string decode_utf8(std::string_view utf8) {
    std::u32string out;
    out.reserve(utf8.size());
    std::size_t i = 0;
    while (i < utf8.size()) {
        const auto b0 = static_cast<unsigned char>(utf8[i]);
        std::size_t len = 0;
        char32_t c = 0;
        char32_t min = 0;  // smallest code point this length may encode (no overlongs)
        if (b0 < 0x80) {
            len = 1, c = b0;
        } else if ((b0 & 0xE0) == 0xC0) {
            len = 2, c = b0 & 0x1F, min = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            len = 3, c = b0 & 0x0F, min = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            len = 4, c = b0 & 0x07, min = 0x10000;
        }
        bool ok = len > 0 && i + len <= utf8.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto b = static_cast<unsigned char>(utf8[i + k]);
            ok = is_continuation(b);
            c = (c << 6) | (b & 0x3F);
        }
        if (ok && c >= min && is_scalar(c)) {
            out.push_back(c);
            i += len;
        } else {
            // Resynchronise on the next byte: one bad byte, one U+FFFD.
            out.push_back(replacement);
            ++i;
        }
    }
    return out;
}

std::string encode_utf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size() * 3);
    for (char32_t c : text) {
        if (!is_scalar(c)) c = replacement;
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

char32_t fold_width_and_case(char32_t c) {
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // FULLWIDTH ! .. ~ -> ASCII ! .. ~
    if (c == 0x3000) c = U' ';                    // IDEOGRAPHIC SPACE
    if (c >= U'A' && c <= U'Z') c += U'a' - U'A';
    return c;
}

std::u32string fold_width_and_case(std::u32string_view text) {
    std::u32string out(text);
    for (char32_t& c : out)
        c = fold_width_and_case(c);
    return out;
}

}  // namespace huitou
