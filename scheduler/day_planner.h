// day_planner.h — a store's day as the delivery policy sees it: read and
// decided, nothing written.
//
// Two passes, each reading what it needs in batches and asking the pure
// policy (core/delivery_policy.h) about one member at a time:
//   occasions — the members the day's indexes name (every member on a
//     festival or announcement day: io/announcement_store.h), their occasions (core/occasion.h),
//     and whether their addresses are on the store's opt-out lists;
//   win-backs — the members whose win-back day has come (io/winback_store.h)
//     and their step (core/winback.h); a message step goes through the
//     policy together with the member's occasions of the day, so a win-back
//     waits behind a birthday, and for its cooldown after any message.
// Then the holdout (core/holdout.h): a message to a member chosen for it
// becomes a held job, with the member's last group read per batch.
// The templates are the loaded ones with the store's templates saved in the
// console over them (core/saved_templates.h), read with one HGETALL each
// time a store's day is planned and applied again only when they changed: a
// template saved takes effect at the next planning, with no restart.
// A store on day sheets (io/sheet_store.h) gives the day's sheet count:
// its members' messages are then spread by sheet, not by member
// (MemberDay::spread_key), so a sheet's records of a channel share a due
// time and go out in one claim.
// The scheduler writes what comes out (jobs; win-back transitions) and
// `huitou preview` prints it. Nothing here writes to Redis: a preview changes
// nothing, and it is what planning does because it is the same code.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/delivery_policy.h"
#include "core/job_record.h"
#include "core/message_template.h"
#include "core/occasion.h"
#include "core/saved_templates.h"
#include "io/consent_store.h"
#include "io/effect_store.h"
#include "io/member_store.h"
#include "io/redis_connection.h"
#include "io/winback_store.h"

namespace huitou {

// One candidate's verdict, with whom it is about.
struct DayVerdict {
    std::string member_id;
    std::string member_name;
    Verdict verdict;
};

struct OccasionBatch {
    std::vector<DayVerdict> verdicts;  // every occasion of the batch's members
    std::size_t members_read = 0;
};

struct WinbackBatch {
    std::vector<DayVerdict> verdicts;            // each win-back message due: a job or a reason
    std::vector<WinbackTransition> transitions;  // the steps to apply (a wait moves nothing)
    std::map<std::string, std::size_t> actions;  // remind, wait, park, ... → count
    std::map<std::string, std::size_t> reasons;  // why no message: cooldown, no_consent, ...
    std::size_t candidates = 0;                  // members whose win-back day has come
};

class DayPlanner {
  public:
    // `config` and `templates` must outlive the planner; `batch` members are
    // read per round trip.
    DayPlanner(RedisConnection& redis, const Config& config, const TemplateSet& templates,
               std::size_t batch);

    // The occasions of `store`'s local `day`, planned at `now`: `each` is
    // called once per batch of members read. The members are read on a
    // second connection to the same server, the next batch sent before
    // `each` runs on this one. `sheets`: the day's sheet counts of a store
    // on day sheets (due times spread by shard and sheet); empty: by member.
    // Throws RedisError.
    void occasions(const StoreConfig& store, const Date& day, SysSeconds now,
                   const std::function<void(OccasionBatch&)>& each, const DaySheets& sheets = {});

    // The win-backs of `store`'s `day` at `now`, a batch at a time (none when
    // the store's win-back is off). Due times by member in both layouts:
    // win-back reminders stay job hashes (Scheduler::plan_winbacks). Throws
    // RedisError.
    void winbacks(const StoreConfig& store, const Date& day, SysSeconds now,
                  const std::function<void(WinbackBatch&)>& each);

    // How many jobs planning `store`'s `day` may create, said without
    // reading a member: a festival day, the store's member count; another
    // day, the sizes of the day's index sets and the win-backs due. An upper
    // bound (a member in two indexes counts twice), for the day's sheet count
    // (SheetStore::sheets_for_day). One round trip. Throws RedisError.
    std::size_t expected_jobs(const StoreConfig& store, const Date& day);

    // `store`'s templates now: the loaded ones with its saved templates
    // over them (a saved one that fails its checks is left out, logged).
    // Shared: a set stays valid for whoever holds it when a later call
    // finds the saved templates changed (dispatch asks between planning's
    // batches). Throws RedisError.
    std::shared_ptr<const TemplateSet> templates_for(const StoreConfig& store);

  private:
    // planning_day with the store's scheduled announcements of `day` read
    // from Redis (io/announcement_store.h). Throws RedisError.
    PlanningDay planning_with_announcements(const StoreConfig& store, const Date& day);

    // The holdout (core/holdout.h) on `verdicts`, with the members' records read.
    void hold_out(const StoreConfig& store, std::vector<DayVerdict*>& verdicts);

    RedisConnection& redis_;
    const Config& config_;
    const TemplateSet& templates_;
    std::size_t batch_;
    ConsentStore consent_;
    EffectStore effects_;
    WinbackStore winbacks_;
    struct StoreTemplates {
        std::vector<SavedTemplate> saved;  // as last read
        std::shared_ptr<const TemplateSet> set;
    };
    std::map<std::string, StoreTemplates, std::less<>> saved_;
};

}  // namespace huitou
