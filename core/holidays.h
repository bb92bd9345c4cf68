// holidays.h — the festivals a shop can greet on, and who each one is for.
//
// A festival comes from config/holidays.toml (embedded; a configured file
// replaces it): a key ("mid_autumn"), the name members read (中秋节), a date
// rule (festival_rule.h: "lunar:08-15"), the template it is written with
// ("festival.mid_autumn", or the general "festival") and an audience — the
// conditions a member must all meet: everyone, members with a child, members
// aged 60 and over, women, men, members of some value segments (the segment
// kept in her member hash, as last computed: core/value_segment.h). Each
// store lists the festivals it celebrates (config.h); config loading checks
// every key, rule and template name.
//
// Pure: which festivals fall on a day or in a year, and whether a member is
// in an audience on a day. It does not decide channels or consent
// (planner.h) or whether a store sends too often (the delivery policy).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/festival_rule.h"
#include "core/member.h"
#include "core/member_tags.h"
#include "core/value_segment.h"

namespace huitou {

// One condition of an audience. Most are a name (`Audience::women`, which
// converts); `segment` holds the member's value segments that pass
// (core/value_segment.h; any one of them); `tags` the tags an announcement
// is about (core/member_tags.h: any or all of them). A struct around the enum, so
// that the lists of conditions everywhere (`std::vector<Audience>`) stay as
// they are.
struct Audience {
    enum Kind { all, with_child, age_60_plus, women, men, segment, tags };
    Kind kind = all;
    SegmentSet segments = 0;            // kind == segment: the segments that pass
    std::vector<std::string> tag_list;  // kind == tags: normalized
    TagMatch match = TagMatch::any;     // kind == tags: any one of them, or all

    Audience(Kind k = all) : kind(k) {}  // NOLINT: a name is an audience
    static Audience of_segments(SegmentSet set);
    static Audience of_tags(std::vector<std::string> tags, TagMatch match);

    friend bool operator==(const Audience&, const Audience&) = default;
};

// "women"; "segment:重要价值|重要挽留" for a segment condition;
// "tags:any:历史小说|乐高" for a tags condition.
std::string to_string(Audience a);
// A name: all, with_child, age_60_plus, women, men (a segment condition is
// a table in the config, festival_config.cpp).
std::optional<Audience> parse_audience(std::string_view text);

struct Festival {
    std::string key;                 // [a-z0-9_]{1,32}
    std::string name;                // 中秋节
    FestivalRule rule;               // when it falls
    std::string template_name;       // "festival" or "festival.<variant>"
    std::vector<Audience> audience;  // every condition must hold; empty: everyone
};

// True when `m` meets every condition of `audience` on `day` (age on that
// day; her segment as stored: a member without one meets no segment
// condition).
bool in_audience(const Member& m, const std::vector<Audience>& audience, const Date& day);

struct FestivalDay {
    const Festival* festival = nullptr;
    Date date;

    friend bool operator==(const FestivalDay&, const FestivalDay&) = default;
};

// Every day in `solar_year` on which one of `festivals` falls, sorted by
// date, then key.
std::vector<FestivalDay> festival_days_in(const std::vector<const Festival*>& festivals,
                                          int solar_year);

// Those of `festivals` that fall on `day`.
std::vector<const Festival*> festivals_on(const std::vector<const Festival*>& festivals,
                                          const Date& day);

// The embedded default (config/holidays.toml as built).
std::string_view default_holidays_text();

}  // namespace huitou
