// announcement.h — a one-off message to the members of a store whose tags
// match: "new history novels arrived" to those who like 历史小说.
//
// An announcement is a festival with an audience and no calendar: a store,
// an id, the tags it is about (any or all of them must be the member's,
// core/member_tags.h), optionally value segments, a template, and one date.
// On that date the day's planning offers it to every member of the store as
// an occasion of kind `announcement` (core/occasion.h) with the audience
// {tags, segments}; the delivery policy then does what it does for every
// marketing message — consent, opt-outs, windows, caps, cooldowns — and an
// announcement ranks below the greetings and the service notices, above a
// win-back. A member who does not match gets the reason not_in_audience.
//
// Its state: scheduled (planned on its date), cancelled (by a person, before
// or on its date: planning skips it, its planned jobs are cancelled). A
// scheduled one whose date has passed is shown `done`; nothing stores that.
// Pure: what an announcement is, how it is checked and kept in a Redis hash;
// io/announcement_store.h reads and writes it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/holidays.h"
#include "core/member.h"
#include "core/member_tags.h"
#include "core/value_segment.h"

namespace huitou {

enum class AnnouncementState { scheduled, cancelled, done };
std::string_view to_string(AnnouncementState s);

struct Announcement {
    std::string store;
    std::string id;                 // [a-z0-9_-]{1,32}, unique in the store; in its jobs' ids
    std::vector<std::string> tags;  // normalized, 1..kMaxTags
    TagMatch match = TagMatch::any;
    SegmentSet segments = 0;    // 0: any segment (no condition)
    std::string template_name;  // "new_arrivals": the template "announcement.new_arrivals"
    Date date;                  // the store's local day it goes
    std::string created_by;     // a login, "cli", "api:<key id>"
    SysSeconds created_at{};
    bool cancelled = false;
    std::string cancelled_by;
    SysSeconds cancelled_at{};

    friend bool operator==(const Announcement&, const Announcement&) = default;
};

// What a person or a program asks for, as text (the CLI's options, the API's JSON).
struct AnnouncementRequest {
    std::string id;  // empty: one is made from the date (next_announcement_id)
    std::string tags;
    std::string match = "any";
    std::string segments;  // "重要价值|重要挽留" or empty
    std::string template_name = "new_arrivals";
    std::string date;  // YYYY-MM-DD
};

struct AnnouncementCheck {
    std::optional<Announcement> announcement;
    std::string error;  // "<field>: <what>" when refused
};

// `req` checked for `store` at `today` (the store's local date): tags
// (normalized, at least one), match any|all, segments by name, the template
// variant (one of announcement_variants()), a date after today (today's planning has run already)
// and at most a year ahead, the id's form. Sets store, created_by/at.
AnnouncementCheck check_announcement(const AnnouncementRequest& req, const std::string& store,
                                     const Date& today, const std::string& by, SysSeconds now);

// True for [a-z0-9_-]{1,32}.
bool is_valid_announcement_id(std::string_view id);

// "a<YYYYMMDD>-<n>": the store's n-th announcement (a counter kept with them).
std::string next_announcement_id(const Date& date, long long n);

// The template variable `tags`: the announcement's tags she has, in the
// announcement's order, joined with 、, at most three ("历史小说、乐高").
std::string announcement_tag_words(const std::vector<std::string>& tags);

// "announcement.new_arrivals": the template an announcement is written with.
std::string announcement_template(std::string_view variant);

// The variants every store has a template for (templates/zh-CN/
// announcement.<variant>.mustache, embedded): "new_arrivals", "event". A
// store rewrites their words in its own template files or in the console;
// a variant of its own is not loaded (left out for now).
const std::vector<std::string>& announcement_variants();

// Its state on `today`: cancelled, done (its date has passed), or scheduled.
AnnouncementState state_on(const Announcement& a, const Date& today);

// Who it is for: the tags (and the segments, when it names some).
std::vector<Audience> announcement_audience(const Announcement& a);

// Its JSON as the CLI and the admin API show it, its state as of `today`,
// instants in `zone`.
nlohmann::json announcement_json(const Announcement& a, const Date& today,
                                 const date::time_zone* zone);

// The hash fields it is kept in, and back (nullopt: a required field is
// missing or malformed).
FieldMap to_fields(const Announcement& a);
std::optional<Announcement> announcement_from_fields(std::string store, std::string id,
                                                     const FieldMap& fields);

}  // namespace huitou
