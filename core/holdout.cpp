#include "core/holdout.h"

#include <cstdint>

namespace huitou {

std::string holdout_period(Kind kind, const Date& occasion, std::string_view detail) {
    switch (kind) {
        case Kind::birthday:
            return std::to_string(static_cast<int>(occasion.year()));
        case Kind::child_birthday:
            return std::to_string(static_cast<int>(occasion.year())) + ":" + std::string(detail);
        case Kind::festival:
            return format_date(occasion) + ":" + std::string(detail);
        case Kind::card_expiry:
        case Kind::winback:
            // The detail is the reminder's step: every step shares the group.
            return format_date(occasion);
    }
    return format_date(occasion);
}

std::string format_holdout_record(const HoldoutRecord& r) {
    return r.period + (r.held ? " h" : " m");
}

std::optional<HoldoutRecord> parse_holdout_record(std::string_view text) {
    if (text.size() < 3 || text[text.size() - 2] != ' ') return std::nullopt;
    const char group = text.back();
    if (group != 'h' && group != 'm') return std::nullopt;
    return HoldoutRecord{std::string(text.substr(0, text.size() - 2)), group == 'h'};
}

double holdout_draw(std::string_view store, std::string_view member, Kind kind,
                    std::string_view period) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64
    auto add = [&](std::string_view part) {
        for (const unsigned char c : part) {
            h ^= c;
            h *= 1099511628211ull;
        }
        h ^= 0xff;  // a separator no UTF-8 text contains
        h *= 1099511628211ull;
    };
    add(store);
    add(member);
    add(to_string(kind));
    add(period);
    // SplitMix64's finalizer: FNV's low bits are weak, its high bits after this are not.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return static_cast<double>(h >> 11) * 0x1.0p-53;
}

bool is_held_out(double share, double draw, std::string_view period,
                 const std::optional<HoldoutRecord>& last) {
    if (last && last->period == period) return last->held;
    if (last && last->held) return false;
    if (share <= 0) return false;
    // Held out last time excludes the member now; compensate so the long-run
    // share is `share` (the header).
    const double threshold = share / (1.0 - share);
    return draw < threshold;
}

std::optional<HoldoutRecord> holdout_record_after(bool held, std::string_view period,
                                                  const std::optional<HoldoutRecord>& last) {
    if (held) return HoldoutRecord{std::string(period), true};
    if (last && last->held && last->period != period)
        return HoldoutRecord{std::string(period), false};
    return std::nullopt;
}

}  // namespace huitou
