#include "core/care_list.h"

#include <charconv>

namespace huitou {

std::string_view to_string(CareState s) {
    switch (s) {
        case CareState::open:
            return "open";
        case CareState::done:
            return "done";
        case CareState::no_answer:
            return "no_answer";
        case CareState::stop:
            return "stop";
    }
    return "?";
}

std::string_view care_state_name(CareState s) {
    switch (s) {
        case CareState::open:
            return "待联系";
        case CareState::done:
            return "已联系";
        case CareState::no_answer:
            return "未接通";
        case CareState::stop:
            return "不再致电";
    }
    return "?";
}

std::optional<CareState> parse_care_state(std::string_view text) {
    for (const auto s : {CareState::open, CareState::done, CareState::no_answer, CareState::stop})
        if (text == to_string(s) || text == care_state_name(s)) return s;
    return std::nullopt;
}

std::string encode_care_entry(const CareEntry& e) {
    std::string out(to_string(e.state));
    out += '|';
    out += std::to_string(static_cast<int>(e.segment));
    out += '|';
    out += std::to_string(e.at.time_since_epoch().count());
    out += '|';
    out += e.by;
    out += '|';
    out += e.note;
    return out;
}

std::optional<CareEntry> decode_care_entry(std::string_view member, std::string_view value) {
    std::string_view parts[4];
    for (auto& part : parts) {
        const auto bar = value.find('|');
        if (bar == std::string_view::npos) return std::nullopt;
        part = value.substr(0, bar);
        value = value.substr(bar + 1);
    }
    CareEntry e;
    e.member = std::string(member);
    const auto state = parse_care_state(parts[0]);
    if (!state || parts[1].size() != 1 || parts[1][0] < '0' || parts[1][0] > '7')
        return std::nullopt;
    e.state = *state;
    e.segment = static_cast<ValueSegment>(parts[1][0] - '0');
    long long at = 0;
    const auto [end, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), at);
    if (ec != std::errc{} || end != parts[2].data() + parts[2].size()) return std::nullopt;
    e.at = SysSeconds{std::chrono::seconds{at}};
    e.by = std::string(parts[3]);
    e.note = std::string(value);
    return e;
}

}  // namespace huitou
