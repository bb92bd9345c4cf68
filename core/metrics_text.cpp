#include "core/metrics_text.h"

#include <cstdlib>
#include <map>

namespace huitou {

namespace {

// `{a="x",b="y"}` (without the braces) → its pairs; false when unreadable.
bool parse_labels(std::string_view text, std::map<std::string, std::string>& out) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto eq = text.find('=', pos);
        if (eq == std::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"')
            return false;
        std::string value;
        std::size_t i = eq + 2;
        for (; i < text.size() && text[i] != '"'; ++i) {
            if (text[i] == '\\' && i + 1 < text.size()) {
                ++i;
                value += text[i] == 'n' ? '\n' : text[i];
            } else {
                value += text[i];
            }
        }
        if (i >= text.size()) return false;
        out[std::string(text.substr(pos, eq - pos))] = std::move(value);
        pos = i + 1;
        if (pos < text.size() && text[pos] == ',') ++pos;
    }
    return true;
}

}  // namespace

double metric_total(std::string_view text, std::string_view name,
                    const std::vector<std::pair<std::string, std::string>>& labels) {
    double total = 0;
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        start = end + 1;
        if (line.size() <= name.size() || line.substr(0, name.size()) != name) continue;
        auto rest = line.substr(name.size());
        std::map<std::string, std::string> have;
        if (rest.front() == '{') {
            const auto close = rest.rfind('}');
            if (close == std::string_view::npos || !parse_labels(rest.substr(1, close - 1), have))
                continue;
            rest = rest.substr(close + 1);
        }
        if (rest.empty() || rest.front() != ' ') continue;  // another metric, name a prefix
        bool wanted = true;
        for (const auto& [k, v] : labels) {
            const auto it = have.find(k);
            if (it == have.end() || it->second != v) wanted = false;
        }
        if (!wanted) continue;
        const std::string number(rest.substr(1, rest.find(' ', 1) - 1));
        char* parsed = nullptr;
        const double value = std::strtod(number.c_str(), &parsed);
        if (parsed != number.c_str()) total += value;
    }
    return total;
}

}  // namespace huitou
