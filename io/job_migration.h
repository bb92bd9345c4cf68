// job_migration.h — a store moved from one hash a job (layout 1) to day
// sheets (layout 2, io/sheet_store.h), while it runs.
//
// Under layout 2 planning writes records (HSETNX: a record that exists is
// left alone), and a record, once claimed, hands its job to a hash: the
// claim, begin-send, results and retries of a hash are the same scripts in
// both layouts. So a store needs only one thing to change layout safely:
// a replan of today under layout 2 must not create again what layout 1
// created today. The migration writes, for each of today's job hashes, its
// record in state `d` ("its hash holds it") — never due, never counted —
// and then sets the layout. The hashes themselves stay and go on as they
// were: a planned one is dispatched from the due set with its stored text,
// a finished one is read by `huitou jobs` until its retention ends.
//
// Today's jobs are found through the effect report's touch index
// (hu:{S}:fx:touch, every job created by layout 1, by due time), not a
// keyspace SCAN; a step looks at `budget` of them and keeps its place in
// hu:{S}:jobs:migrate, so a scheduler that dies or loses the lease midway
// is resumed by whoever holds the store next.
#pragma once

#include <cstddef>
#include <string>

#include "core/civil_time.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

class JobMigration {
  public:
    explicit JobMigration(RedisConnection& redis);

    // One step of moving `store` to layout 2: up to `budget` of the jobs
    // due from `day_start` (the store's local `today`) on get their
    // records, in today's sheets (their count fixed by
    // SheetStore::sheets_for_day with `expected`, as planning would).
    // Returns true once the store is on layout 2 (now, or before). Throws
    // RedisError.
    bool step(const std::string& store, const Date& today, SysSeconds day_start,
              std::size_t expected, std::size_t budget);

  private:
    RedisConnection& redis_;
    LuaScript mark_;
};

}  // namespace huitou
