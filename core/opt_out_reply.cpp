#include "core/opt_out_reply.h"

#include <array>
#include <string>
#include <vector>

#include "core/utf8.h"

namespace huitou {

namespace {

// Already folded: lower-case ASCII. Longest first is not needed: the
// matcher below tries every keyword at every position.
constexpr std::array<std::u32string_view, 6> keywords = {U"t", U"td", U"r", U"n", U"退订", U"取消"};

bool is_space(char32_t c) {
    // After folding, U+3000 is already ' '. NBSP and line breaks come from
    // handsets that append a signature line or pad the text.
    return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == 0x00A0;
}

bool is_trailing_punctuation(char32_t c) {
    // ASCII after folding covers the full-width ！？，．～ too.
    static constexpr std::u32string_view marks = U".!?,;~。，、；…～";
    return marks.find(c) != std::u32string_view::npos;
}

// Whether `text` is keyword (space* keyword)*: dynamic programming over
// positions, so "td" is read as the keyword td although "t" alone would
// leave an unmatched "d".
bool is_keyword_sequence(std::u32string_view text) {
    if (text.empty()) return false;
    // reachable[i]: text[0, i) is a complete sequence of keywords.
    std::vector<bool> reachable(text.size() + 1, false);
    reachable[0] = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!reachable[i]) continue;
        std::size_t start = i;
        if (i > 0) {
            while (start < text.size() && is_space(text[start]))
                ++start;
        }
        for (std::u32string_view k : keywords) {
            if (text.substr(start, k.size()) == k) reachable[start + k.size()] = true;
        }
    }
    return reachable[text.size()];
}

}  // namespace

bool is_opt_out_reply(std::string_view reply) {
    const std::u32string folded = fold_width_and_case(decode_utf8(reply));
    std::u32string_view text = folded;
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && (is_space(text.back()) || is_trailing_punctuation(text.back()))) {
        text.remove_suffix(1);
    }
    return is_keyword_sequence(text);
}

}  // namespace huitou
