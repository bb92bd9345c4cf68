// day_preview.h — what a day sends at each store, and why the rest get nothing.
//
// Runs the day planner (scheduler/day_planner.h: the same reads and the same
// pure policy planning uses) and writes nothing. A day in the future is shown
// as planning will see it at its midnight, with the contact history as it is
// now; today as planning would see it now. Where jobs of the day exist
// already, what they became (sent, expired, cancelled ...) is shown instead
// of what would be planned — a job hash, or on a layout-2 store the day's
// sheet record of a job not yet claimed (io/sheet_store.h), whose words are
// the ones planning would write now. `huitou preview` and GET /api/preview both call
// it, and both print preview_json, so a script gets the same answer from
// either.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/announcement.h"
#include "core/config.h"
#include "core/job.h"
#include "core/message_template.h"
#include "io/redis_connection.h"

namespace huitou {

struct PreviewMessage {
    std::string member_id, member_name;
    Kind kind = Kind::birthday;
    std::string job_id;
    Channel channel = Channel::sms;
    SysSeconds at{};  // due (or sent) at
    std::string text;
    std::string state;   // "new": planning would create it; else the job's state
    std::string merged;  // the occasion merged into it, if any
};

struct PreviewSkip {
    std::string member_id, member_name;
    Kind kind = Kind::birthday;
    std::string occasion_id;
    std::string
        reason;  // no_consent, opted_out, capped, cooldown, merged, quiet_hours, expired, ...
    std::string detail;
};

struct StorePreview {
    std::string store;
    Date day;
    SysSeconds planned_at{};               // the moment planning is imagined at
    std::vector<PreviewMessage> messages;  // by time
    std::vector<PreviewSkip> skipped;      // by member
};

// What `day` brings at each store (or only `store_filter`), seen at `now`.
// Reads only. Throws RedisError.
std::vector<StorePreview> preview_day(RedisConnection& redis, const Config& config,
                                      const TemplateSet& templates, const Date& day,
                                      const std::string& store_filter, SysSeconds now);

// `p` with only the messages and skips of announcement `a` (its jobs' ids
// "announcement:<member>:<date>:<id>"): who gets it, and why the rest do not.
StorePreview only_announcement(StorePreview p, const Announcement& a);

// The JSON form: {"stores": [{"store", "date", "planned_at", "messages": [...],
// "skipped": [...]}]}, instants in each store's zone.
nlohmann::json preview_json(const std::vector<StorePreview>& previews, const Config& config);

}  // namespace huitou
