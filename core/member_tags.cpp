#include "core/member_tags.h"

#include <algorithm>

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "core/separated_list.h"
#include "core/utf8.h"

namespace huitou {
namespace {

bool is_separator(char32_t c) {
    switch (c) {
        case U';':
        case U',':
        case U'|':
        case U'\u3001':  // 、 (NFKC keeps it)
        case U' ':
        case U'\t':
        case U'\n':
        case U'\r':
        case U'\v':
        case U'\f':
        case U'\u3000':
        case U'\u00a0':
            return true;
        default:
            return false;
    }
}

std::string nfkc_casefold(std::string_view text) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status) || n == nullptr) return std::string(text);  // ICU data missing: as typed
    const auto in = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
    const icu::UnicodeString out = n->normalize(in, status);
    if (U_FAILURE(status)) return std::string(text);
    std::string utf8;
    out.toUTF8String(utf8);
    return utf8;
}

}  // namespace

TagsResult normalize_tags(std::string_view text) {
    TagsResult r;
    if (!is_valid_utf8(text)) {
        r.error = "tags are not valid UTF-8";
        return r;
    }
    const std::u32string folded = decode_utf8(nfkc_casefold(text));
    std::u32string piece;
    auto take = [&]() -> bool {
        if (piece.empty()) return true;
        const std::string tag = encode_utf8(piece);
        piece.clear();
        if (has_control_characters(tag)) {
            r.error = "tag \"" + tag + "\" holds control characters";
            return false;
        }
        if (count_code_points(tag) > kMaxTagLength) {
            r.error = "tag \"" + tag + "\" is longer than " + std::to_string(kMaxTagLength) +
                      " characters";
            return false;
        }
        if (std::find(r.tags.begin(), r.tags.end(), tag) == r.tags.end()) r.tags.push_back(tag);
        return true;
    };
    for (const char32_t c : folded) {
        if (!is_separator(c)) {
            piece.push_back(c);
            continue;
        }
        if (!take()) break;
    }
    if (r.error.empty()) take();
    if (r.error.empty() && r.tags.size() > kMaxTags) {
        r.error = std::to_string(r.tags.size()) + " tags, at most " + std::to_string(kMaxTags) +
                  " (the first one past: \"" + r.tags[kMaxTags] + "\")";
    }
    if (!r.error.empty()) r.tags.clear();
    return r;
}

std::string_view to_string(TagMatch m) {
    return m == TagMatch::all ? "all" : "any";
}

std::optional<TagMatch> parse_tag_match(std::string_view text) {
    if (text == "any") return TagMatch::any;
    if (text == "all") return TagMatch::all;
    return std::nullopt;
}

bool tags_match(const std::vector<std::string>& member, const std::vector<std::string>& wanted,
                TagMatch match) {
    if (wanted.empty()) return false;
    auto has = [&](const std::string& t) {
        return std::find(member.begin(), member.end(), t) != member.end();
    };
    return match == TagMatch::all ? std::all_of(wanted.begin(), wanted.end(), has)
                                  : std::any_of(wanted.begin(), wanted.end(), has);
}

std::string join_tags(const std::vector<std::string>& tags) {
    return join_list(tags, ';');
}

std::vector<std::string> split_tags(std::string_view stored) {
    return split_list(stored, ';');
}

}  // namespace huitou
