#include "cli/outbox_command.h"

#include <algorithm>
#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

namespace huitou {
namespace {

struct Line {
    std::string sent_at, store, member, channel, kind, text;
    nlohmann::json record;
};

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

}  // namespace

std::size_t print_outbox(const std::vector<std::string>& paths, std::ostream& out,
                         std::ostream& errors, bool json) {
    std::vector<Line> lines;
    for (const auto& path : paths) {
        std::ifstream in(path);
        if (!in) {
            errors << path << ": cannot open the file\n";
            continue;
        }
        std::string text;
        for (std::size_t n = 1; std::getline(in, text); ++n) {
            if (text.empty()) continue;
            const auto j = nlohmann::json::parse(text, nullptr, false);
            if (!j.is_object() || !j.contains("sent_at") || !j.contains("text")) {
                errors << path << ":" << n << ": not an outbox record\n";
                continue;
            }
            auto get = [&j](const char* k) { return j.value(k, std::string{}); };
            lines.push_back({get("sent_at"), get("store"), get("member_id"), get("channel"),
                             get("kind"), get("text"), j});
        }
    }
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line& a, const Line& b) { return a.sent_at < b.sent_at; });
    if (json) {
        auto records = nlohmann::json::array();
        for (auto& l : lines)
            records.push_back(std::move(l.record));
        out << records.dump(2) << "\n";
        return lines.size();
    }
    for (const auto& l : lines) {
        // "2027-09-15T10:00:00+08:00" → "2027-09-15 10:00 +08:00"
        std::string when = l.sent_at;
        if (when.size() >= 25)
            when = when.substr(0, 10) + " " + when.substr(11, 5) + " " + when.substr(19);
        out << when << "  " << pad(l.store, 10) << " " << pad(l.member, 8) << " "
            << pad(l.channel, 7) << " " << pad(l.kind, 9) << " " << l.text << "\n";
    }
    return lines.size();
}

}  // namespace huitou
