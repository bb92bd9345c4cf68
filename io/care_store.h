// care_store.h — the care list in Redis: built once a store's day, marked by
// the staff, read by the console, the CLI and the robot push.
//
// Where things live (core/care_rule.h has the rule, core/care_list.h the
// entry):
//   hu:{S}:seg:<0-7>          hash  the members of each value segment (fields
//                                   = ids), kept by scripts/set_segments.lua:
//                                   building reads only the chosen segments
//   hu:{S}:care:<YYYY-MM-DD>  hash  the day's list: member → entry, "~built"
//                                   (when), "~pushed" (when the group robot
//                                   took it); kept 400 days
//   hu:{S}:m:<member>         `cc`  days of her care calls marked done,
//                             `cn`  "1": don't call again,
//                             `ch`  her contact history, "<day>k" per care
//                                   call (core/contact_history.h)
//
// Building (build): the members of the chosen segments' indexes, `slice` a
// round trip (HMGET sg ch cc cn), through care_due; those due are looked up
// in the day's job sheets (a message today holds her back: planning runs
// first, and a job is in `ch` only once dispatched); the ranked list is
// written by scripts/build_care_day.lua, only if the day has none. So it is
// built once, whoever builds it: a restart or a second replica finds it.
// Marking (mark) is scripts/mark_care.lua: the entry and, for a done call,
// her `ch` and `cc` in one step.
//
// Not done: a member's erasure does not reach her entries on past lists
// (their notes); they expire with the list.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/care_list.h"
#include "core/care_rule.h"
#include "core/config.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct CareBuild {
    bool built = false;                           // false: the day had its list already
    std::size_t read = 0;                         // members of the chosen segments read
    std::size_t due = 0;                          // due by the rule (before the limit)
    std::size_t listed = 0;                       // on the list
    std::map<std::string, std::size_t> verdicts;  // care_due's verdicts, by name
};

enum class CareMarkResult { ok, not_listed, final, no_member };
std::string_view to_string(CareMarkResult r);

class CareStore {
  public:
    // `config` must outlive the store.
    CareStore(RedisConnection& redis, const Config& config);

    // Builds `store`'s list for `day` unless it has one. `now` is written as
    // the build time. `between` runs after each slice of members read.
    // Throws RedisError, RedisReplyError.
    CareBuild build(const StoreConfig& store, const Date& day, SysSeconds now,
                    const std::function<void()>& between = {});

    // The day's list (nullopt: not built). Rows in rank order as built. Two
    // round trips. Throws RedisError.
    std::optional<CareDay> day(const StoreConfig& store, const Date& day);

    // The staff's mark on `member`'s entry of `day` (state done, no_answer
    // or stop; open is refused by assert). `note` is cut to kCareNoteMax
    // bytes by the caller. Throws RedisError, RedisReplyError.
    CareMarkResult mark(const StoreConfig& store, const Date& day, const std::string& member,
                        CareState state, const std::string& note, const std::string& by,
                        SysSeconds now);

    // The robot's marker: set once the day's list was posted.
    void note_pushed(const std::string& store, const Date& day, SysSeconds now);

  private:
    // A store over K > 1 shards: each shard's entries of `day`'s list as
    // built, written once (nothing for K = 1). Throws RedisError.
    void spread_to_shards(const StoreConfig& store, const Date& day);
    RedisConnection& redis_;
    const Config& config_;
    LuaScript build_;
    LuaScript mark_;
};

}  // namespace huitou
