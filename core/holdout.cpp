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
        case Kind::announcement:
            return format_date(occasion) + ":" + std::string(detail);
        case Kind::card_expiry:
        case Kind::points:
        case Kind::welcome:
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
    // Never more than the share (the header).
    return draw < share;
}

std::optional<HoldoutRecord> holdout_record_after(bool held, std::string_view period,
                                                  const std::optional<HoldoutRecord>& last) {
    if (held) return HoldoutRecord{std::string(period), true};
    if (last && last->held && last->period != period)
        return HoldoutRecord{std::string(period), false};
    return std::nullopt;
}

void apply_holdout(Verdict& v, std::string_view store, const EffectConfig& effect,
                   const std::optional<HoldoutRecord>& last) {
    if (!v.job || v.job->state != JobState::planned) return;
    Job& job = *v.job;
    const std::string period = holdout_period(job.kind, job.occasion_date, job_id_detail(job.id));
    const bool held =
        is_held_out(effect.holdout_share(job.kind),
                    holdout_draw(store, job.member_id, job.kind, period), period, last);
    const auto record = holdout_record_after(held, period, last);
    job.holdout_record = record ? format_holdout_record(*record) : std::string();
    if (!held) return;
    job.state = JobState::held;
    job.error = "holdout";  // what `huitou jobs` and GET /api/jobs/<id> show as its reason
    v.reason = "holdout";
    v.detail = "held out of " + period + " to measure the effect; never sent";
}

}  // namespace huitou
