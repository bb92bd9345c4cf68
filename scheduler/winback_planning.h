// winback_planning.h — a store's win-back step for one day.
//
// Three range reads find the members due (lapsing, to be looked at again, or
// due a follow-up); one pipelined read per batch fetches their visit state
// and member record; the pure core (core/winback.h) decides each one's step;
// the new jobs are created through JobStore::create (idempotent by id, and the
// id names the absence and the step, so planning the same day twice, or the
// next day after a crash, never makes a second reminder); then each member's
// transition is applied, guarded by what was read. A member who came back in
// between has their fresh job cancelled by the transition or by the visit,
// whichever runs second.
//
// Kept apart from the occasion planning (plan_day) so that the win-back can
// later become one source of the occasions → decision → job pipeline.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "core/config.h"
#include "core/message_template.h"
#include "io/job_store.h"
#include "io/winback_store.h"

namespace huitou {

struct WinbackReport {
    std::size_t candidates = 0;                  // members whose index day has come
    std::size_t created = 0;                     // reminder and follow-up jobs created
    std::map<std::string, std::size_t> actions;  // remind, skip, park, churn, ... → count
    std::map<std::string, std::size_t> reasons;  // why no message: busy, no_consent, ... → count
    std::size_t conflicts = 0;  // members who changed between read and write (a visit)
};

// Plans the win-back of `store` on its local `day` at `now`. Throws RedisError.
WinbackReport plan_winbacks(WinbackStore& winbacks, JobStore& jobs, const StoreConfig& store,
                            const Date& day, const TemplateSet& templates, SysSeconds now,
                            std::size_t batch = 500);

}  // namespace huitou
