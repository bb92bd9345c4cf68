// parked_events.h — what the doors that cannot ask their sender to retry do
// while `huitou reshard` holds their store, and how what they kept is
// applied after the switch (docs/architecture.md, "huitou reshard").
//
// During a reshard's `copy` phase every script of the store's old layout
// refuses (the fence: StoreFrozen, io/lua_script.h). The HTTP doors answer
// 503 and are sent again; the ZMQ visit feed, the WeChat listener and the SMS
// receipt pushes cannot be: they park the event (core/parked_event.h) in
// hu:{S}:reshard:parked through park.lua, which pushes only while the shard
// record's phase is `copy` or `replay` — checked and pushed in one step.
// After the switch (phase `replay`), the reshard applies the list in order
// through the io classes the doors use and ends the phase with
// end_replay.lua, which clears it only when the list is empty. In between
// the doors keep parking, so a new event never overtakes an older one, and
// nothing is parked after the phase is gone.
//
// A door's event is applied, not parked, unless its store's record (the
// connection's cached copy, io/shard_map.h) says `copy` or `replay`, or the
// apply meets the fence; then it is parked, and if park.lua answers that the
// phase is gone, applied again. The record is written before the fences
// (`phase = copy` first, then each old shard's fence), so a fence met always
// finds a phase that parks.
//
// Applying twice is harmless by kind: a visit already kept is a duplicate
// (record_visit.lua), a delivery result is idempotent (record_delivery.lua),
// and a consent event carries a once key `event:rs:<reshard>:<n>` in the
// shard that records it. So the replay applies a batch, then takes it off
// the list: a crash in between applies the batch again, changing nothing.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/parked_event.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

class ParkedEvents {
  public:
    // `config` must outlive this (the stores' time zones and visit rules,
    // for the replay's applies).
    ParkedEvents(RedisConnection& redis, const Config& config);

    // Whether `store`'s events park now, as far as the connection's cached
    // shard record tells. Throws RedisError.
    bool parking(const std::string& store);

    // Parks `events` (all of `store`) at the end of the store's list when its
    // phase is `copy` or `replay`: true. False: nothing parked, the phase is
    // not one of those (the cached record is dropped) — apply them. Throws
    // RedisError.
    bool park(const std::string& store, const std::vector<ParkedEvent>& events);

    // A door's event(s) of `store`: applied by `apply`, or parked as said at
    // the top. True when parked. `apply` must be safe to run again for
    // events it applied in part before meeting the fence (each kind is).
    // Throws what `apply` throws; StoreFrozen when the fence stays up with
    // no phase that parks (not a reshard of this build: the door's outage
    // answer applies).
    bool apply_or_park(const std::string& store, const std::vector<ParkedEvent>& events,
                       const std::function<void()>& apply);

    // How many events of `store` wait. Throws RedisError.
    long long waiting(const std::string& store);

    struct Replayed {
        std::size_t applied = 0;  // events applied (a batch applied twice counts twice)
        bool ended = false;       // the phase is gone: the store is live
    };
    // Applies `store`'s parked events in order, a batch at a time (apply,
    // then LTRIM), and ends the replay when the list is empty (end_replay.lua),
    // taking in whatever the doors parked meanwhile. `ended` is false when
    // the phase is not `replay` (nothing applied then). Throws RedisError,
    // RedisReplyError, and std::runtime_error naming an entry this build
    // cannot read: it stays first in the list and nothing after it is applied.
    Replayed replay(const std::string& store, SysSeconds now);

  private:
    void apply(const std::string& entry_id, const ParkedEvent& e, SysSeconds now);

    RedisConnection& redis_;
    const Config& config_;
    LuaScript park_{"park"};
    LuaScript end_replay_{"end_replay"};
};

}  // namespace huitou
