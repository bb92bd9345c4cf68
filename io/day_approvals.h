// day_approvals.h — a store's approved days in Redis (core/day_approval.h).
//
// One hash a store and day, hu:{S}:approved:<date>: who approved last and
// when, and "j:<job id>" for each job approved — what claim_due.lua asks
// before it claims a job of a store with approve_before_send. Approving is
// one script (scripts/approve_day.lua): the record, the approved jobs made
// due again, the unticked ones cancelled, all at once, so a claim never sees
// half an approval. The record is kept for the job retention after its day.
// On a store whose planned jobs are records of day sheets (layout 2,
// io/sheet_store.h) the same script approves and cancels records: an
// approved record's sheet is made due at once.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/civil_time.h"
#include "core/config.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct DayApproval {
    std::string by;              // the login of the latest approval
    SysSeconds at{};             // its time
    std::set<std::string> jobs;  // every job approved that day
};

class DayApprovals {
  public:
    DayApprovals(RedisConnection& redis, const Config& config);

    // The approval of `store`'s local `day`, or nullopt when nobody approved
    // it. Throws RedisError.
    std::optional<DayApproval> get(const std::string& store, const Date& day);

    // `who` approves `store`'s `day` at `now`: the planned jobs among
    // `approve` may leave, the planned ones among `cancel` end cancelled with
    // not_approved_error(who). Returns {approved, cancelled}. Throws
    // RedisError.
    std::pair<long long, long long> approve(const std::string& store, const Date& day,
                                            const std::string& who,
                                            const std::vector<std::string>& approve,
                                            const std::vector<std::string>& cancel, SysSeconds now);

  private:
    RedisConnection& redis_;
    const Config& config_;
    LuaScript approve_;
};

}  // namespace huitou
