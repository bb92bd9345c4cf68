// job_listing.h — find jobs by state, member and date, and retry failed ones.
//
// For operators (`huitou jobs --state ...`, `huitou dlq`), not for the loop:
// there is no index by state, so a listing SCANs the store's job hashes
// (MATCH narrows it by member or date, both part of a job's id:
// <kind>:<member>:<date>[:<detail>]) and reads them in pipelined batches.
// Its cost grows with the store's jobs (kept job_retention_days), which is
// fine for a command run by hand and would not be for the scheduler.
// A retry is one script (scripts/retry_failed.lua), atomic in Redis.
#pragma once

#include <optional>
#include <string>
#include <vector>

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

class JobListing {
  public:
    explicit JobListing(RedisConnection& redis);

    // The jobs of `store` that pass `filter`, by id. Throws RedisError.
    std::vector<Job> find(const std::string& store, const JobFilter& filter);

    enum class Retry { planned, not_failed, expired };
    // Puts a failed job back in the due set at `now`. Throws RedisError.
    Retry retry(const std::string& store, const std::string& job_id, SysSeconds now);

  private:
    RedisConnection& redis_;
    LuaScript retry_;
};

}  // namespace huitou
