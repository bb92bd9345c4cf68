// separated_list.h — short lists kept in one Redis field: "toyland,ktv",
// "M01 M02". One join and one split for every such field (API keys' and
// webhook endpoints' stores and events, an import's members in the consent
// ledger), so they all read empty items the same way: skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace huitou {

inline std::string join_list(const std::vector<std::string>& items, char separator) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) out += separator;
        out += s;
    }
    return out;
}

// The items of `text` between separators; empty ones are skipped.
inline std::vector<std::string> split_list(std::string_view text, char separator) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto at = text.find(separator);
        if (at != 0) out.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + 1);
    }
    return out;
}

}  // namespace huitou
