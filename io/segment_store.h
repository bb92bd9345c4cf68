// segment_store.h — the members' value segments in Redis: computed for a
// whole store once a day, and for one member at each of her visits.
//
// Where things live (core/value_segment.h has the rule):
//   hu:{S}:v:<member>, field "mo"  her visits and amounts per calendar month,
//                                  kept by scripts/record_visit.lua
//   hu:{S}:m:<member>, field "sg"  her segment and numbers, as last computed
//                                  ("7,20527,12,5,48000"): in the member hash,
//                                  so planning, which reads the member whole,
//                                  has it for a festival's audience at no
//                                  extra read, and a listpack keeps it in
//                                  about 25 bytes
//   hu:{S}:seg                     the store's run: `gen` (the thresholds'
//                                  day number), `day`, `period`, `r`, `f`,
//                                  `m`, `members` (scored), `n0`..`n7` (the
//                                  members of each segment of generation
//                                  `gen`), `done` (the last day whose run
//                                  finished), `none` (members with visits,
//                                  none in the period, at the last run)
//
// The nightly run (recompute) reads every member with visits — the members
// of the win-back's four sets, which together hold each of them once — a
// slice at a time, twice: the thresholds first (the numbers of every
// member), then each member's segment against them, written by
// scripts/set_segments.lua. `between` runs between two slices (the
// scheduler serves its loop there, as between planning batches). A run cut
// after its thresholds were written (a stop, a lost lease, a crash) starts
// again at the members with the same thresholds; one cut before, from the
// start. A visit between two runs (on_visits) is scored with the last
// thresholds at once, counts kept: a member moves between segments the
// moment she comes in.
//
// Not done: members are not read from a snapshot. One whom a visit moves
// between the win-back's sets during a run may be read twice (harmless) or
// missed; her visit scored her, with the thresholds of the day before.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/value_segment.h"
#include "core/visit.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"
#include "io/visit_store.h"

namespace huitou {

// A store's hu:{S}:seg.
struct SegmentRun {
    int thresholds_day = 0;                       // `gen`; 0: never computed
    int done_day = 0;                             // the last day whose run finished; 0: none
    int period_months = 0;                        // the period the thresholds were taken over
    std::optional<SegmentThresholds> thresholds;  // nullopt: nobody scored
    std::array<long long, value_segment_count> counts{};  // by the enum's value
    long long without = 0;  // members with visits, none in the period (last run)
};

struct SegmentRecompute {
    bool ran = false;         // false: the day's run had finished already
    std::size_t members = 0;  // members with visits read (the second pass)
    std::size_t scored = 0;   // ... with a visit in the period
    std::size_t slices = 0;   // slices of both passes
    std::optional<SegmentThresholds> thresholds;
};

class SegmentStore {
  public:
    // `config` must outlive the store.
    SegmentStore(RedisConnection& redis, const Config& config);

    // The store's run as stored. One round trip. Throws RedisError.
    SegmentRun run(const std::string& store);

    // The day's run for `store` unless it finished already (or `force`):
    // thresholds, then every member's segment, `slice` members a round
    // trip, `between` after each slice. Throws RedisError, and whatever
    // `between` throws (the run then resumes as the header says).
    SegmentRecompute recompute(const StoreConfig& store, const Date& day,
                               const std::function<void()>& between = {}, bool force = false);

    // After VisitStore::record: each member whose visit was recorded gets
    // her segment again, on `now`'s local day, with her store's last
    // thresholds (none yet: nothing is written). Two round trips a store of
    // the batch (its run read, its members written). Throws RedisError.
    void on_visits(const std::vector<Visit>& visits, const std::vector<VisitRecorded>& recorded,
                   SysSeconds now);

  private:
    struct MemberNumbers {
        std::string id;
        int last_day = 0;
        MonthTotals months;
    };
    // Every member with visits, `slice` at a time, in the win-back's sets'
    // order; `each` gets a slice, then `between` runs (not after the last).
    void each_slice(const std::string& store, std::size_t slice,
                    const std::function<void(std::vector<MemberNumbers>&)>& each,
                    const std::function<void()>& between);
    // Writes `values` (member → stored segment or "") with set_segments.lua.
    void write(const std::string& store,
               const std::vector<std::pair<std::string, std::string>>& values);

    RedisConnection& redis_;
    const Config& config_;
    LuaScript set_;
};

}  // namespace huitou
