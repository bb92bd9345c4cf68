#include "core/announcement.h"

#include <algorithm>
#include <chrono>

#include "core/separated_list.h"
#include "core/visit_cycle.h"

namespace huitou {
namespace {

// "重要价值|重要挽留" (either form of each name; ; , | separate) into a set.
std::optional<SegmentSet> parse_segments(std::string_view text, std::string& error) {
    SegmentSet set = 0;
    std::string piece;
    auto take = [&]() {
        if (piece.empty()) return true;
        const auto s = parse_segment(piece);
        if (!s) {
            error = "segments: unknown segment \"" + piece + "\"";
            return false;
        }
        set = with(set, *s);
        piece.clear();
        return true;
    };
    for (const char c : text) {
        if (c == '|' || c == ',' || c == ';' || c == ' ') {
            if (!take()) return std::nullopt;
        } else {
            piece += c;
        }
    }
    if (!take()) return std::nullopt;
    return set;
}

std::string segments_text(SegmentSet set) {
    std::string out;
    for (const auto s : segments_best_first()) {
        if (!contains(set, s)) continue;
        if (!out.empty()) out += '|';
        out += segment_key(s);
    }
    return out;
}

std::optional<long long> parse_seconds(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    long long n = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

}  // namespace

std::string_view to_string(AnnouncementState s) {
    switch (s) {
        case AnnouncementState::scheduled:
            return "scheduled";
        case AnnouncementState::cancelled:
            return "cancelled";
        case AnnouncementState::done:
            return "done";
    }
    return "scheduled";
}

bool is_valid_announcement_id(std::string_view id) {
    if (id.empty() || id.size() > 32) return false;
    for (const char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

std::string next_announcement_id(const Date& date, long long n) {
    std::string ymd = format_date(date);
    std::erase(ymd, '-');
    return "a" + ymd + "-" + std::to_string(n);
}

std::string announcement_tag_words(const std::vector<std::string>& tags) {
    std::string out;
    for (std::size_t i = 0; i < tags.size() && i < 3; ++i)
        out += (i ? "、" : "") + tags[i];
    return out;
}

const std::vector<std::string>& announcement_variants() {
    static const std::vector<std::string> variants{"new_arrivals", "event"};
    return variants;
}

std::string announcement_template(std::string_view variant) {
    return "announcement." + std::string(variant);
}

AnnouncementCheck check_announcement(const AnnouncementRequest& req, const std::string& store,
                                     const Date& today, const std::string& by, SysSeconds now) {
    AnnouncementCheck out;
    Announcement a;
    a.store = store;
    a.id = req.id;
    if (!a.id.empty() && !is_valid_announcement_id(a.id)) {
        out.error = "id: \"" + req.id + "\" may hold only a-z, 0-9, '_' and '-' (at most 32)";
        return out;
    }
    auto tags = normalize_tags(req.tags);
    if (!tags.error.empty()) {
        out.error = "tags: " + tags.error;
        return out;
    }
    if (tags.tags.empty()) {
        out.error = "tags: name at least one tag (e.g. 历史小说)";
        return out;
    }
    a.tags = std::move(tags.tags);
    const auto match = parse_tag_match(req.match);
    if (!match) {
        out.error = "match: \"" + req.match + "\" is not any or all";
        return out;
    }
    a.match = *match;
    std::string error;
    const auto segments = parse_segments(req.segments, error);
    if (!segments) {
        out.error = error;
        return out;
    }
    a.segments = *segments;
    const auto& variants = announcement_variants();
    if (std::find(variants.begin(), variants.end(), req.template_name) == variants.end()) {
        std::string known;
        for (const auto& v : variants)
            known += (known.empty() ? "" : ", ") + v;
        out.error = "template: \"" + req.template_name + "\" is not an announcement template (" +
                    known + ")";
        return out;
    }
    a.template_name = req.template_name;
    const auto day = parse_date(req.date);
    if (!day) {
        out.error = "date: \"" + req.date + "\" is not a date YYYY-MM-DD";
        return out;
    }
    // The day's planning runs at its start: an announcement for today would
    // wait for a restart, so it is refused, not kept silently unsent.
    if (day_number(*day) <= day_number(today)) {
        out.error = "date: " + req.date + " is not after today (" + format_date(today) +
                    "); the day's planning has run";
        return out;
    }
    if (day_number(*day) > day_number(today) + 366) {
        out.error = "date: " + req.date + " is more than a year ahead";
        return out;
    }
    a.date = *day;
    a.created_by = by;
    a.created_at = now;
    out.announcement = std::move(a);
    return out;
}

AnnouncementState state_on(const Announcement& a, const Date& today) {
    if (a.cancelled) return AnnouncementState::cancelled;
    if (day_number(a.date) < day_number(today)) return AnnouncementState::done;
    return AnnouncementState::scheduled;
}

std::vector<Audience> announcement_audience(const Announcement& a) {
    std::vector<Audience> audience{Audience::of_tags(a.tags, a.match)};
    if (a.segments != 0) audience.push_back(Audience::of_segments(a.segments));
    return audience;
}

nlohmann::json announcement_json(const Announcement& a, const Date& today,
                                 const date::time_zone* zone) {
    nlohmann::json j{{"store", a.store},
                     {"id", a.id},
                     {"tags", a.tags},
                     {"match", to_string(a.match)},
                     {"template", a.template_name},
                     {"date", format_date(a.date)},
                     {"state", to_string(state_on(a, today))},
                     {"created_by", a.created_by},
                     {"created_at", format_instant(a.created_at, zone)}};
    auto segments = nlohmann::json::array();
    for (const auto s : segments_best_first())
        if (contains(a.segments, s)) segments.push_back(segment_name(s));
    j["segments"] = std::move(segments);
    if (a.cancelled) {
        j["cancelled_by"] = a.cancelled_by;
        j["cancelled_at"] = format_instant(a.cancelled_at, zone);
    }
    return j;
}

FieldMap to_fields(const Announcement& a) {
    FieldMap f{{"tags", join_tags(a.tags)},
               {"match", std::string(to_string(a.match))},
               {"template", a.template_name},
               {"date", format_date(a.date)},
               {"created_by", a.created_by},
               {"created_at", std::to_string(a.created_at.time_since_epoch().count())}};
    if (a.segments != 0) f["segments"] = segments_text(a.segments);
    if (a.cancelled) {
        f["state"] = "cancelled";
        f["cancelled_by"] = a.cancelled_by;
        f["cancelled_at"] = std::to_string(a.cancelled_at.time_since_epoch().count());
    }
    return f;
}

std::optional<Announcement> announcement_from_fields(std::string store, std::string id,
                                                     const FieldMap& fields) {
    auto get = [&](std::string_view k) {
        const auto it = fields.find(k);
        return it == fields.end() ? std::string() : it->second;
    };
    Announcement a;
    a.store = std::move(store);
    a.id = std::move(id);
    a.tags = split_tags(get("tags"));
    const auto match = parse_tag_match(get("match"));
    const auto day = parse_date(get("date"));
    const auto created = parse_seconds(get("created_at"));
    a.template_name = get("template");
    if (a.tags.empty() || !match || !day || !created || a.template_name.empty())
        return std::nullopt;
    a.match = *match;
    a.date = *day;
    a.created_at = SysSeconds{std::chrono::seconds{*created}};
    a.created_by = get("created_by");
    std::string error;
    a.segments = parse_segments(get("segments"), error).value_or(0);
    a.cancelled = get("state") == "cancelled";
    a.cancelled_by = get("cancelled_by");
    if (const auto at = parse_seconds(get("cancelled_at")))
        a.cancelled_at = SysSeconds{std::chrono::seconds{*at}};
    return a;
}

}  // namespace huitou
