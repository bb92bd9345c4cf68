#include "core/holidays.h"

#include <algorithm>
#include <array>

#include "core/embedded_files.h"

namespace huitou {
namespace {

constexpr std::array<std::string_view, 5> audience_names{"all", "with_child", "age_60_plus",
                                                         "women", "men"};

bool meets(const Member& m, const Audience& a, const Date& day) {
    switch (a.kind) {
        case Audience::all:
            return true;
        case Audience::with_child:
            return !m.children.empty();
        case Audience::age_60_plus: {
            const auto age = m.birthday ? age_on(*m.birthday, day) : std::nullopt;
            return age && *age >= 60;
        }
        case Audience::women:
            return m.gender == Gender::female;
        case Audience::men:
            return m.gender == Gender::male;
        case Audience::segment: {
            const auto stored = parse_stored_segment(m.segment);
            return stored && contains(a.segments, stored->segment);
        }
        case Audience::tags:
            return tags_match(m.tags, a.tag_list, a.match);
    }
    return false;
}

}  // namespace

Audience Audience::of_segments(SegmentSet set) {
    Audience a(segment);
    a.segments = set;
    return a;
}

Audience Audience::of_tags(std::vector<std::string> tags, TagMatch match) {
    Audience a(Audience::tags);
    a.tag_list = std::move(tags);
    a.match = match;
    return a;
}

std::string to_string(Audience a) {
    if (a.kind == Audience::tags) {
        std::string out = "tags:" + std::string(to_string(a.match)) + ":";
        for (std::size_t i = 0; i < a.tag_list.size(); ++i)
            out += (i ? "|" : "") + a.tag_list[i];
        return out;
    }
    if (a.kind != Audience::segment) return std::string(audience_names[a.kind]);
    std::string out = "segment:";
    bool first = true;
    for (const auto s : segments_best_first()) {
        if (!contains(a.segments, s)) continue;
        if (!first) out += '|';
        out += segment_name(s);
        first = false;
    }
    return out;
}

std::optional<Audience> parse_audience(std::string_view text) {
    for (std::size_t i = 0; i < audience_names.size(); ++i) {
        if (audience_names[i] == text) return Audience(static_cast<Audience::Kind>(i));
    }
    return std::nullopt;
}

bool in_audience(const Member& m, const std::vector<Audience>& audience, const Date& day) {
    return std::all_of(audience.begin(), audience.end(),
                       [&](const Audience& a) { return meets(m, a, day); });
}

std::vector<FestivalDay> festival_days_in(const std::vector<const Festival*>& festivals,
                                          int solar_year) {
    std::vector<FestivalDay> days;
    for (const Festival* f : festivals) {
        for (const auto& d : occurrences_in(f->rule, solar_year))
            days.push_back({f, d});
    }
    std::sort(days.begin(), days.end(), [](const FestivalDay& a, const FestivalDay& b) {
        if (a.date != b.date) return a.date < b.date;
        return a.festival->key < b.festival->key;
    });
    return days;
}

std::vector<const Festival*> festivals_on(const std::vector<const Festival*>& festivals,
                                          const Date& day) {
    std::vector<const Festival*> out;
    for (const Festival* f : festivals) {
        const auto days = occurrences_in(f->rule, static_cast<int>(day.year()));
        if (std::find(days.begin(), days.end(), day) != days.end()) out.push_back(f);
    }
    return out;
}

std::string_view default_holidays_text() {
    const auto text = embedded_file("config/holidays.toml");
    return text ? *text : std::string_view{};
}

}  // namespace huitou
