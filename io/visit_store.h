// visit_store.h — visits into Redis, and a member's visit state out of it.
//
// Each visit is one call of scripts/record_visit.lua, which updates the
// member's last visit, bounded history, cycle, lapse index entry and win-back
// state and cancels their waiting win-back reminders, atomically; a batch of
// visits goes in one pipelined round trip, applied in order (so a file's
// visits of one member may come in any order and still end the same).
// Recording is idempotent: a visit already recorded comes back `duplicate`
// and changes nothing.
//
// The store's win-back settings travel with every call (history size, cycle
// rules, tier defaults), so the script and core/visit_cycle.h agree on the
// config in force; so does the value segments' period (the script keeps the
// member's totals per month for it). After the script, each member's value
// segment is scored again (io/segment_store.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/visit.h"
#include "core/visit_state.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

enum class VisitOutcome { latest, earlier, duplicate };
std::string_view to_string(VisitOutcome o);

struct VisitRecorded {
    VisitOutcome outcome = VisitOutcome::duplicate;
    double cycle = 0;           // the member's cycle afterwards, in days
    int lapse_day = 0;          // day number of their lapse day (active and returned members)
    int cancelled = 0;          // win-back jobs this visit cancelled
    bool member_known = false;  // the member list has the member
    WinbackState state = WinbackState::active;
    // Her visits and amounts per month afterwards, and her last visit's day
    // number (core/value_segment.h); empty and 0 for a duplicate.
    std::string months;
    int last_day = 0;
};

class VisitStore {
  public:
    // `config` must outlive the store; every visit's store must be configured.
    VisitStore(RedisConnection& redis, const Config& config);

    // Records `visits` in order; one result per visit. `now` stamps the jobs
    // a visit cancels, and is the day each member's value segment is scored
    // on again (io/segment_store.h: on_visits). Throws RedisError.
    std::vector<VisitRecorded> record(const std::vector<Visit>& visits, SysSeconds now);

    // Notes that `visits` came from the point-of-sale system through `via`
    // ("zmq", "http", "api") at `now`: hu:{S}:pos:last, per store, `at`
    // (Unix s), `via` and `visit_at` (the latest visit's own time) — what
    // the console's health page shows. The CLI's imports do not call it:
    // they are not the POS. One round trip. Throws RedisError.
    void note_arrival(const std::vector<Visit>& visits, SysSeconds now, std::string_view via);

    // The member's visit state, or nullopt if no visit was recorded. Throws RedisError.
    std::optional<VisitState> state(const std::string& store, const std::string& member_id);

  private:
    RedisConnection& redis_;
    const Config& config_;
    LuaScript record_;
};

}  // namespace huitou
