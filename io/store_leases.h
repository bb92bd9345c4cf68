// store_leases.h — which stores this scheduler replica may plan and dispatch.
//
// Scheduler replicas share the stores through one lease per store in Redis
// (hu:{S}:lease, holding the replica's random token): taken with SET NX PX,
// renewed by renew_lease.lua and given up by release_lease.lua, both of
// which check the token first, so a replica only ever extends or deletes its
// own lease. A replica renews every third of the lease time and counts a
// lease as held only until (last successful renewal + lease − a margin),
// measured on its own steady clock from *before* the renewal was sent — so it
// stops acting on a store before Redis lets another replica take it, even
// when Redis is unreachable. A replica that dies loses its stores after at
// most the lease time; one that stops (SIGTERM) releases them at once.
//
// Each renewal (and each take) also reads the store's shard record
// (hu:{S}:shards, same slot): a store whose number of shards changed since
// this replica last read it counts as taken over — its layout is new, so
// its day is planned again — and while a reshard drains, copies or replays
// it (`phase`), `resharding` says so and the scheduler plans and claims
// nothing for it (docs/architecture.md, "A store over K shards").
//
// The lease divides the work; it is not what keeps a job from going twice.
// That is the job scripts' (claim_due, begin_send): two replicas that both
// believed they held a store (a process frozen past its lease) would still
// claim each job once.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/store_shards.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

class StoreLeases {
  public:
    // `stores`: every store this replica could serve. The token is random.
    StoreLeases(RedisConnection& redis, std::vector<std::string> stores,
                std::chrono::milliseconds lease);

    // Renews held leases and tries to take free ones, when a third of the
    // lease has passed since the last time (or `force`). Returns the stores
    // taken by this call (the caller treats them as new: plan their day).
    // Throws RedisError; what is held stays held until its local deadline.
    std::vector<std::string> refresh(bool force = false);

    // True when this replica may act on `store` now.
    bool holds(const std::string& store) const;
    // True while the last shard record read for `store` says a reshard
    // drains or copies it, or replays what was parked meanwhile.
    bool resharding(const std::string& store) const;

    // Gives up every held lease (on stop). Throws RedisError.
    void release_all();

    const std::string& token() const { return token_; }
    // Each held store and until when (steady clock) it counts as held.
    const std::map<std::string, std::chrono::steady_clock::time_point>& held_until() const {
        return held_until_;
    }

  private:
    RedisConnection& redis_;
    std::vector<std::string> stores_;
    std::chrono::milliseconds lease_;
    std::string token_;
    LuaScript renew_{"renew_lease"};
    LuaScript release_{"release_lease"};
    std::map<std::string, std::chrono::steady_clock::time_point> held_until_;
    // The shard record as last read with the lease; whether it changed K.
    bool note_record(const std::string& store, const RedisReply& fields);
    std::map<std::string, ShardRecord> records_;
    std::chrono::steady_clock::time_point last_refresh_{};
};

}  // namespace huitou
