// sheet_store.h — planned jobs written as records of their day's sheets:
// the planning half of issue 20's job store (docs/architecture.md, "Job
// storage for a festival day: day sheets"; the codec is core/job_record.h).
//
// Step 2 of the design's build order: the scheduler plans a store on
// layout 2 (scheduler.job_storage = "sheets") into it, a batch behind
// (send_plan); a store on layout 1 still plans into job hashes through
// io/job_store.h. The benchmark bench/sheets.cpp measures
// what a festival's planning writes cost both ways, so the design's numbers
// are measured before the rest is built on them.
//
// A day's sheet count is fixed by the first planner to ask (HSETNX), so
// replicas and replans put each member's records in the same sheet; the
// records are created only when new (HSETNX in scripts/plan_records.lua), a
// few hundred a script call; the day's sheets get their expiry once, when
// the day is planned (`expire_day`), not a command a record.
//
// The readers of a planned record are here too, because a planned job of
// a layout-2 store has no hash to find: a job by its id (through the
// occasion date's due days, so a change of lead days does not lose it), a
// day's records, a member's records (her one sheet a day, by HSCAN MATCH),
// and a person's or an opt-out's cancel (scripts/cancel_records.lua).
// JobStore::get and cancel_planned, the opt-out (io/consent_store.h), the
// approval (io/day_approvals.h), the erasure (io/member_eraser.h), the day
// page and `huitou jobs` use them. A record claimed (`d`) is its job hash's
// from then on: these readers leave it to the hash.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/civil_time.h"
#include "core/job.h"
#include "core/job_record.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

// A store's job layout (hu:{S}:jobs:v): 1, a hash a job (io/job_store.h),
// or 2, planned jobs as records of day sheets, a hash from their claim on.
inline constexpr int hash_layout = 1;
inline constexpr int sheet_layout = 2;

class SheetStore {
  public:
    explicit SheetStore(RedisConnection& redis);

    // The store's job layout (absent: hash_layout). Throws RedisError, and
    // RedisReplyError for a value that is not a layout.
    int layout(const std::string& store);
    // Sets the store's layout (only ever forward: a migration's last step).
    void set_layout(const std::string& store, int layout);

    // The sheet counts of `store`'s day `day`, a count a shard: the one
    // set before, else the shard's share of `expected` (even_day_sheets),
    // set now.
    DaySheets sheets_for_day(const std::string& store, const Date& day, std::size_t expected);
    // The same without writing anything (the preview asks): a shard whose
    // count is not set yet answers the count it would get. Throws
    // RedisReplyError for a count that is not one.
    DaySheets day_sheets(const std::string& store, const Date& day, std::size_t expected);

    // Writes `jobs` (all of `store`, due on `day`, which starts at
    // `day_start`) as planned or held records of the day's `sheets`, each in
    // its member's shard and sheet, unless its record exists; returns how
    // many were created. Throws RedisError, and std::invalid_argument for a
    // job whose id is not one.
    std::size_t plan(const std::string& store, const Date& day, SysSeconds day_start,
                     const DaySheets& sheets, const std::vector<Job>& jobs);

    // plan, pipelined behind other work, for planning (as
    // JobStore::send_create): `send_plan` appends the calls writing `jobs`
    // and returns without waiting; `collect_planned` reads the replies of
    // the oldest batch sent and not yet collected and returns how many
    // records it created. Until all are collected the connection must carry
    // nothing else, and after an exception it must be dropped. Throws
    // RedisError (also for NOSCRIPT), std::invalid_argument as plan.
    void send_plan(const std::string& store, const Date& day, SysSeconds day_start,
                   const DaySheets& sheets, const std::vector<Job>& jobs);
    std::size_t collect_planned();

    // Every sheet of the day in every shard, and the day's keys, expire at `at`.
    void expire_day(const std::string& store, const Date& day, const DaySheets& sheets,
                    SysSeconds at);

    // The record of job `job_id` due on `day` cut into `sheets`.
    std::optional<JobRecord> record(const std::string& store, const Date& day,
                                    const DaySheets& sheets, const std::string& job_id);

    // The record of `job`, due on `day` starting at `day_start`, as planning
    // writes it. Throws std::invalid_argument for a joined id that is not one.
    static JobRecord planned_record(const Job& job, const Date& day, SysSeconds day_start);

    // --- Reading and cancelling records (the readers of a layout-2 store) ---

    // Where a job's record is: the due day, the shard and its sheet, the
    // field, the record.
    struct Place {
        std::string job_id;
        Date day;
        int shard = 0;
        int sheet = 0;
        std::string field;
        JobRecord record;
        std::string note;  // the words of its end from the day's notes (record.error_elsewhere)
    };

    // The record of each of `job_ids`, in order (nullopt: none — not a job
    // id, a store on hash_layout, a job with a hash only, or a day whose
    // sheets have expired): the id's occasion date → the due days holding
    // that date's jobs (days:<date>) → each day's sheet count → the member's
    // sheet → the field. Three pipelined round trips for all of them. An
    // occasion found on two due days (the lead days changed between two
    // plannings) answers the earlier day's record. Throws RedisError, and
    // RedisReplyError for a damaged record.
    std::vector<std::optional<Place>> locate(const std::string& store,
                                             const std::vector<std::string>& job_ids);

    // The due days holding jobs of occasion date `occasion` (days:<date>,
    // united over the shards), earliest first. Throws RedisError.
    std::vector<Date> due_days(const std::string& store, const Date& occasion);

    // The job `job_id` as its record says (job_of_record), or nullopt as
    // locate. `zone` is the store's: a record's times count from its day's
    // local midnight. Throws as locate.
    std::optional<Job> find(const std::string& store, const std::string& job_id,
                            const date::time_zone* zone);

    // Every record of `store`'s due day `day`, by shard and sheet (a
    // pipelined HGET a shard and a pipelined HGETALL a sheet); none when the
    // day has no sheets. A field
    // or value that is not a record is left out. Throws RedisError.
    std::vector<Place> day_records(const std::string& store, const Date& day);
    // The same as jobs (job_of_record), in the order of the sheets.
    std::vector<Job> day_jobs(const std::string& store, const Date& day,
                              const date::time_zone* zone);

    // The records of `member` in her sheet of `store`'s day `day` (HSCAN
    // MATCH of that one sheet: one command for a listpack sheet). Throws
    // RedisError.
    std::vector<Place> member_records(const std::string& store, const Date& day,
                                      const std::string& member);
    // The same for each day of `days` in two pipelined round trips (the
    // sheet counts, then the scans; a sheet grown past a listpack may take
    // more). Throws RedisError.
    std::vector<Place> member_records(const std::string& store, const std::vector<Date>& days,
                                      const std::string& member);

    // Cancels each of `places` still planned (scripts/cancel_records.lua):
    // it ends `c` with record reason `code`, reported to webhooks as
    // message.skipped with `reason` and the detail `error`; with `channel`,
    // only a record to that channel. Returns the state each was in, in order
    // (nullopt: the record is gone, or goes to another channel): `planned`
    // ones are cancelled now, the others were left. Throws RedisError, and
    // std::invalid_argument for a `code` that is not a record reason.
    std::vector<std::optional<JobState>> cancel(const std::string& store,
                                                const std::vector<Place>& places, SysSeconds at,
                                                const std::string& error, const std::string& reason,
                                                const std::string& code,
                                                std::optional<Channel> channel = std::nullopt);

    // The job a record stands for: store, id, kind, member, occasion date,
    // channel, marketing, due_at (the day's start + the record's due),
    // expires_at (the next local midnight), state, error = `note` (the
    // words a Place read from the day's notes) or else the record's
    // reason, params["merged"] (the joined occasions' ids, as planning
    // writes it), attempts = the record's provider calls. No text and no
    // `to`: both are written at the claim, from the member as she is then.
    // nullopt for a field that is not a record's.
    static std::optional<Job> job_of_record(const std::string& store, const Date& day,
                                            const date::time_zone* zone, const std::string& field,
                                            const JobRecord& record, std::string_view note = {});

    // --- Reading many days (the effect report, the results page) ---

    // Calls `each` with every record of each of `days`, day by day in
    // order (a field or value that is not a record's is left out, as
    // day_records does): the days' sheet counts in one round trip, then
    // their sheets, HGETALL in pipelined slices of at most
    // `sheets_per_read` — a festival day of a big store has thousands of
    // sheets, and one reply of them all would hold the day in memory twice.
    // Throws RedisError.
    void each_record(const std::string& store, const std::vector<Date>& days,
                     const std::function<void(const Place&)>& each,
                     std::size_t sheets_per_read = 256);

  private:
    RedisConnection& redis_;
    LuaScript plan_;
    // Reads the day's notes of the places whose record says it has one
    // (error_elsewhere): one pipelined HMGET a day, none when no record
    // has a note.
    void read_notes(const std::string& store, std::vector<Place>& places);
    // The script calls writing `jobs` (plan's and send_plan's).
    std::vector<LuaScript::Call> plan_calls(const std::string& store, const Date& day,
                                            SysSeconds day_start, const DaySheets& sheets,
                                            const std::vector<Job>& jobs) const;
    // The sheet count of `day` in each shard of `store` (0: none set).
    std::vector<int> set_counts(const std::string& store, const Date& day);
    std::deque<std::size_t> unread_;  // send_plan: calls of each batch not yet collected
    bool plan_loaded_ = false;
};

// --- Since when a store is on layout 2 (for the readers of its hashes) ---
//
// Layout 1's job hashes outlive the move to layout 2 by up to a job
// retention; a reader that finds a member's hashes by key (her `d` records,
// her win-back reminders) instead of a keyspace SCAN must know when none of
// them can be left. hu:{S}:jobs:v2day holds the day the store moved (its
// migration's today, io/job_migration.h). A store moved before the day was
// recorded has none, and its readers keep the SCAN.

// Records `day` as the day `store` moved to layout 2, unless one is
// recorded (SET NX). Throws RedisError.
void mark_layout_day(RedisConnection& redis, const std::string& store, const Date& day);

// The day `store` moved to layout 2, if recorded. Throws RedisError.
std::optional<Date> layout_day(RedisConnection& redis, const std::string& store);

}  // namespace huitou
