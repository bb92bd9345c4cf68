// member_tags.h — what a member likes, as the shop writes it: "历史小说;乐高".
//
// A member carries a short list of tags (the import's `tags` / 标签 / 偏好
// column, the API's `tags`), and an announcement (core/announcement.h) goes
// to the members whose tags match its own. Shops type tags by hand, on a
// phone or a counter PC, with full-width and half-width punctuation mixed,
// so a tag is normalized once, where it enters, and stored normalized:
//   - the text is NFKC-casefolded (ICU): "ＬＥＧＯ", "Lego" and "lego" are one tag;
//   - it is split on ; , 、 | and whitespace (the full-width ；，｜ and the
//     ideographic space fold to those first): a tag has no spaces;
//   - empty pieces are dropped, repeats kept once, in first-seen order.
// A member has at most kMaxTags tags of at most kMaxTagLength characters.
// More, or longer, is an error naming the tag — never cut silently: a tag
// cut short would match the wrong announcement, or none.
// Pure; the member hash keeps the list joined with ';' (field::tags).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

inline constexpr std::size_t kMaxTags = 20;
inline constexpr std::size_t kMaxTagLength = 20;  // characters (code points)

struct TagsResult {
    std::vector<std::string> tags;  // normalized, deduplicated, in order
    std::string error;              // set when the text is refused; tags then empty
};

// The tags of `text` ("历史小说；ＬＥＧＯ、乐高"), or an error naming what is
// wrong: not UTF-8, a control character, too many tags, a tag too long.
TagsResult normalize_tags(std::string_view text);

// How an announcement's tags meet a member's: any one of them, or all.
enum class TagMatch { any, all };

std::string_view to_string(TagMatch m);
// "any" or "all"; nullopt for anything else.
std::optional<TagMatch> parse_tag_match(std::string_view text);

// True when `member` (normalized) has any / all of `wanted` (normalized).
// An empty `wanted` matches nobody: an announcement names what it is about.
bool tags_match(const std::vector<std::string>& member, const std::vector<std::string>& wanted,
                TagMatch match);

// The stored form and back: "历史小说;乐高". Reading trusts what was stored
// normalized (the separator cannot occur in a tag).
std::string join_tags(const std::vector<std::string>& tags);
std::vector<std::string> split_tags(std::string_view stored);

}  // namespace huitou
