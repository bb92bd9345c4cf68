// winback_store.h — the win-back indexes in Redis: who is due today, what
// they look like, moving them a step, and the counts a shop owner reads.
//
// Every member with a visit sits in exactly one of four sorted sets of their
// store, scored by a day number (core/visit_cycle.h): wb:lapse (active and
// returned members, by the day they lapse), wb:lapsed (lapsed but not
// reachable, by the day to look again), wb:reminded (by the day of their next
// follow-up, or of churn), wb:churned (by the day they churned); wb:returned
// shadows the returned members of wb:lapse. So a day's candidates are three
// range reads, and the counts by state are ZCOUNT/ZCARD — neither scans the
// members. Transitions are scripts/winback_transition.lua, guarded by the
// state the planner read; visits move members back (scripts/record_visit.lua).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/member.h"
#include "core/visit_state.h"
#include "core/winback.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct WinbackCandidate {
    std::string member_id;
    std::optional<VisitState> visits;  // nullopt: the index entry has no state behind it
    std::optional<Member> member;      // nullopt: not in the member list
};

struct WinbackTransition {
    std::string member_id;
    VisitState before;  // as read: the guard
    WinbackStep step;
};

// Members by win-back state on a day, and events since the beginning.
struct WinbackCounts {
    long long active = 0;                     // not lapsed (not counting the returned)
    long long lapsed = 0;                     // lapsed, no reminder yet
    long long reminded = 0;                   // reminded, not back yet
    long long returned = 0;                   // came back after a reminder, not lapsed again
    long long churned = 0;                    // no return after the last reminder
    std::map<std::string, long long> totals;  // visits, reminders, followups, returned, ...
};

class WinbackStore {
  public:
    WinbackStore(RedisConnection& redis, const SchedulerConfig& config);

    // Members of `store` whose lapse, recheck or next-step day is `day` or
    // earlier, each once. Throws RedisError.
    std::vector<std::string> due(const std::string& store, int day);

    // Reads each member's visit state and record (with their contact
    // history, for the delivery policy). One round trip. Throws RedisError.
    std::vector<WinbackCandidate> read(const std::string& store,
                                       const std::vector<std::string>& member_ids);

    // Applies each transition whose guard still holds (one round trip);
    // returns which were applied. A reminder job whose member came back
    // meanwhile is cancelled. Throws RedisError.
    std::vector<bool> apply(const std::string& store,
                            const std::vector<WinbackTransition>& transitions, SysSeconds now);

    // Counts for `store` on day number `day`. Throws RedisError.
    WinbackCounts counts(const std::string& store, int day);

  private:
    RedisConnection& redis_;
    const SchedulerConfig& config_;
    LuaScript transition_;
};

}  // namespace huitou
