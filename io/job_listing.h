// job_listing.h — find a store's jobs by state, member and date, and retry
// failed ones.
//
// For operators and the console (`huitou jobs`, GET /api/jobs, the member
// page), not for the loop. A store's jobs are job hashes and, on job layout
// 2 (io/sheet_store.h), records of day sheets: a planned, held or
// ended-before-its-claim job is a record only, and a claimed one a record
// `d` whose hash holds it from then on. `find` is the one listing of both,
// each job once (a `d` record is its hash's):
//   - records: by date, the sheets of the occasion's due days; by member,
//     her one sheet a day over the retention's days (no whole day read);
//     else every sheet of the retention's days;
//   - hashes: there is no index by state, so a SCAN of the store's job keys
//     (MATCH narrows it by member: a job id is <kind>:<member>:<date>…),
//     read in pipelined batches — its cost grows with the whole keyspace.
//     Except a member of a layout-2 store: her hashes are named by her `d`
//     records and, for win-back reminders (hashes in both layouts), by her
//     visit state (winback:<member>:<visit date>:<n>, core/winback.h), and
//     read by key — once no layout-1 hash can be left (layout_day,
//     io/sheet_store.h). Her win-back reminders are found while her visit
//     history (winback.history visits) still names their episode.
// A retry is one script (scripts/retry_failed.lua), atomic in Redis.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/civil_time.h"
#include "core/config.h"
#include "core/job.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct JobFilter {
    std::optional<JobState> state;
    std::string member_id;  // "" = any
    std::string date;       // the occasion's YYYY-MM-DD; "" = any
};

// Whether `job` passes `filter` (the SCAN pattern is only a first cut).
bool matches(const Job& job, const JobFilter& filter);

// The due days whose records a listing reads when no date is asked: today
// and each day of the `retention` before it (whole days), newest first.
std::vector<Date> kept_days(const Date& today, std::chrono::seconds retention);

// Whether a store moved to layout 2 on `moved` may still hold job hashes of
// layout 1 on `today`: they expire a `retention` after their day's end (a
// day of margin for the results of the last ones).
bool may_hold_layout1_hashes(const Date& moved, const Date& today, std::chrono::seconds retention);

class JobListing {
  public:
    explicit JobListing(RedisConnection& redis);

    // The jobs of `store` that pass `filter`, hashes and records, by id,
    // each once. `today` is the store's local date now and `retention` the
    // job retention (scheduler.job_retention_days): which days' sheets can
    // hold records, and when no layout-1 hash can be left. Writes nothing.
    // Throws RedisError.
    std::vector<Job> find(const StoreConfig& store, const JobFilter& filter, const Date& today,
                          std::chrono::seconds retention);

    // Only the job hashes of `store` that pass `filter`, by id (a SCAN):
    // what `dlq` reads, since a job fails after a provider call, when it
    // is a hash. Throws RedisError.
    std::vector<Job> find_hashes(const std::string& store, const JobFilter& filter);

    enum class Retry { planned, not_failed, expired };
    // Puts a failed job back in the due set at `now`. Throws RedisError.
    Retry retry(const std::string& store, const std::string& job_id, SysSeconds now);

  private:
    RedisConnection& redis_;
    LuaScript retry_;

    // The hashes of `job_ids` that exist and pass `filter` (pipelined HGETALL).
    std::vector<Job> read_hashes(const std::string& store, const std::vector<std::string>& job_ids,
                                 const JobFilter& filter);
    // The ids a member's win-back reminders can have: each visit date of her
    // kept history (an episode's name) × each step. Throws RedisError.
    std::vector<std::string> winback_ids(const StoreConfig& store, const std::string& member);
    // The ids of her welcomes (core/welcome.h): the local day each was
    // created on (hu:{S}:welcomed) names it. Throws RedisError.
    std::vector<std::string> welcome_ids(const StoreConfig& store, const std::string& member);
};

}  // namespace huitou
