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
#pragma once

#include <chrono>
#include <deque>
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

    // The sheet count of `store`'s day `day`: the one set before, else
    // sheet_count(expected), set now.
    int sheets_for_day(const std::string& store, const Date& day, std::size_t expected);

    // Writes `jobs` (all of `store`, due on `day`, which starts at
    // `day_start`) as planned or held records of the day's `sheets` sheets,
    // each unless its record exists; returns how many were created. Throws
    // RedisError, and std::invalid_argument for a job whose id is not one.
    std::size_t plan(const std::string& store, const Date& day, SysSeconds day_start, int sheets,
                     const std::vector<Job>& jobs);

    // plan, pipelined behind other work, for planning (as
    // JobStore::send_create): `send_plan` appends the calls writing `jobs`
    // and returns without waiting; `collect_planned` reads the replies of
    // the oldest batch sent and not yet collected and returns how many
    // records it created. Until all are collected the connection must carry
    // nothing else, and after an exception it must be dropped. Throws
    // RedisError (also for NOSCRIPT), std::invalid_argument as plan.
    void send_plan(const std::string& store, const Date& day, SysSeconds day_start, int sheets,
                   const std::vector<Job>& jobs);
    std::size_t collect_planned();

    // Every sheet of the day, and the day's keys, expire at `at`.
    void expire_day(const std::string& store, const Date& day, int sheets, SysSeconds at);

    // The record of job `job_id` due on `day` of `sheets` sheets.
    std::optional<JobRecord> record(const std::string& store, const Date& day, int sheets,
                                    const std::string& job_id);

    // The record of `job`, due on `day` starting at `day_start`, as planning
    // writes it. Throws std::invalid_argument for a joined id that is not one.
    static JobRecord planned_record(const Job& job, const Date& day, SysSeconds day_start);

  private:
    RedisConnection& redis_;
    LuaScript plan_;
    // The script calls writing `jobs` (plan's and send_plan's).
    std::vector<LuaScript::Call> plan_calls(const std::string& store, const Date& day,
                                            SysSeconds day_start, int sheets,
                                            const std::vector<Job>& jobs) const;
    std::deque<std::size_t> unread_;  // send_plan: calls of each batch not yet collected
    bool plan_loaded_ = false;
};

}  // namespace huitou
