#include "core/contact_history.h"

#include <algorithm>
#include <charconv>

namespace huitou {

char kind_letter(Kind k) {
    switch (k) {
        case Kind::birthday:
            return 'b';
        case Kind::child_birthday:
            return 'c';
        case Kind::festival:
            return 'f';
        case Kind::card_expiry:
            return 'e';
        case Kind::winback:
            return 'w';
        case Kind::points:
            return 'p';
        case Kind::welcome:
            return 'n';
        case Kind::announcement:
            return 'a';
    }
    return '?';
}

std::optional<Kind> kind_from_letter(char c) {
    for (const Kind k : all_kinds()) {
        if (kind_letter(k) == c) return k;
    }
    return std::nullopt;
}

std::vector<Contact> parse_contacts(std::string_view text) {
    std::vector<Contact> out;
    while (!text.empty()) {
        const auto space = text.find(' ');
        const auto entry = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
        if (entry.size() < 2) continue;
        int day = 0;
        const auto digits = entry.substr(0, entry.size() - 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), day);
        if (ec != std::errc{} || end != digits.data() + digits.size()) continue;
        if (entry.back() == kCareCallLetter) {
            out.push_back({day, std::nullopt});
            continue;
        }
        const auto kind = kind_from_letter(entry.back());
        if (!kind) continue;
        out.push_back({day, *kind});
    }
    return out;
}

std::string format_contacts(const std::vector<Contact>& contacts) {
    std::string out;
    for (const auto& c : contacts) {
        if (!out.empty()) out += ' ';
        out += std::to_string(c.day);
        out += c.kind ? kind_letter(*c.kind) : kCareCallLetter;
    }
    return out;
}

std::string_view to_string(ContactCheck c) {
    switch (c) {
        case ContactCheck::ok:
            return "ok";
        case ContactCheck::capped_day:
            return "capped_day";
        case ContactCheck::capped_week:
            return "capped_week";
        case ContactCheck::capped_30_days:
            return "capped_30_days";
        case ContactCheck::cooldown:
            return "cooldown";
    }
    return "?";
}

std::string_view reason_of(ContactCheck c) {
    switch (c) {
        case ContactCheck::ok:
            return "";
        case ContactCheck::cooldown:
            return "cooldown";
        default:
            return "capped";
    }
}

ContactCheck check_contact(const std::vector<Contact>& history, Kind kind, int today,
                           const PolicyConfig& policy) {
    // A welcome answers her own opt-in, once a channel in her life: no cap
    // or cooldown holds it back, and it is not recorded, so it takes no
    // other message's slot (core/welcome.h).
    if (kind == Kind::welcome) return ContactCheck::ok;
    int on_day = 0, in_week = 0, in_month = 0;
    std::optional<int> last_other;
    for (const auto& c : history) {
        if (c.day > today) continue;  // a later day's record: not this day's business
        const int ago = today - c.day;
        if (ago == 0) ++on_day;
        if (ago < 7) ++in_week;
        if (ago < kContactHistoryDays) ++in_month;
        if (c.kind != kind && (!last_other || c.day > *last_other)) last_other = c.day;
    }
    // The cooldown first: when both hold, it is the better explanation.
    if (const int n = policy.cooldown_for(kind); n > 0 && last_other && today - *last_other < n)
        return ContactCheck::cooldown;
    if (on_day >= policy.max_per_day) return ContactCheck::capped_day;
    if (!is_service_notice(kind) || policy.caps_apply_to_notices) {
        if (in_week >= policy.max_per_week) return ContactCheck::capped_week;
        if (in_month >= policy.max_per_30_days) return ContactCheck::capped_30_days;
    }
    return ContactCheck::ok;
}

std::vector<Contact> with_contact(std::vector<Contact> history, int today,
                                  std::optional<Kind> kind) {
    if (kind == Kind::welcome) return history;  // never recorded (check_contact)
    std::erase_if(history,
                  [today](const Contact& c) { return today - c.day >= kContactHistoryDays; });
    history.push_back({today, kind});
    return history;
}

}  // namespace huitou
