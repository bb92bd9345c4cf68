// effect_store.h — what the effect report needs from Redis: the members'
// holdout records, the messages planned (messaged and held out) with when
// each was sent, and the members' visits.
//
//   hu:{S}:holdout:<kind>  hash  member → their last group for the kind,
//                                "<period> h|m" (core/holdout.h)
//   hu:{S}:fx:touch        zset  every job planned, messaged or held out, by
//                                due time: "<job id>|<m|h>|<channel>|<SMS parts>"
//   hu:{S}:fx:sent         hash  job id → when the provider took it (Unix s)
//   hu:{S}:fx:skip:<day>   hash  "<kind>|<reason>" → members planning left
//                                out that local day, and "planned" → 1
// The first two are written with the job, in the same script
// (scripts/create_job.lua), the third with its result
// (scripts/record_result.lua), the fourth by the scheduler after planning a
// day (note_skips); the visits are the members' own kept
// history (hu:{S}:v:<member>, scripts/record_visit.lua). `trim` drops what
// is older than the store's effect.keep_days.
//
// A store on day sheets (layout 2, io/sheet_store.h) writes no touch for a
// job planned as a record: its messages are the records of its due days
// (hu:{S}:sheet:<day>:<i>), which say the same things — kind, member,
// occasion, held out or not, channel, SMS parts, due time — and, for a
// record ended before its claim, how it ended. A record claimed (`d`) is
// its job hash's from then on, and its result writes fx:sent as any job's.
// `touches` reads both and keeps one touch a job id: the migration's `d`
// marker records stand for today's job hashes, whose touches exist.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/effect.h"
#include "core/holdout.h"
#include "core/job.h"
#include "core/job_record.h"
#include "io/redis_connection.h"

namespace huitou {

// A message planned, with where its state is kept.
struct TouchEntry {
    Touch touch;
    // The record of a day sheet when it holds the job's state (planned,
    // held, or ended before its claim: cancelled, expired); nullopt when a
    // job hash holds it (every job of layout 1, and a record claimed, `d`),
    // or held it: the hash is gone once the job retention is over.
    std::optional<JobRecord> record;
    std::string note;  // the words of its end from the day's notes ("held by staff wang")
};

// Days a day's sheets outlive the effect report's reach: what
// forget_sent_records may still read after a scheduler's absence.
inline constexpr int sent_times_grace_days = 8;

class EffectStore {
  public:
    explicit EffectStore(RedisConnection& redis);

    // The records of `members` for `kind`, in order (nullopt: none, or
    // unreadable). One round trip. Throws RedisError.
    std::vector<std::optional<HoldoutRecord>> holdout_records(
        const std::string& store, Kind kind, const std::vector<std::string>& members);

    // The jobs of `store` planned (due) in [from, to], messaged and held
    // out, with when each was sent, one a job id: the touch index's and,
    // for a store on day sheets, the records of the local days (in `zone`,
    // the store's) of [from, to] — their sheets read in pipelined slices.
    // Throws RedisError.
    std::vector<Touch> touches(const std::string& store, SysSeconds from, SysSeconds to,
                               const date::time_zone* zone);
    // The same, each with the record that keeps its state, if one does.
    std::vector<TouchEntry> touch_entries(const std::string& store, SysSeconds from, SysSeconds to,
                                          const date::time_zone* zone);

    // The kept visits of each of `members` (their last winback.history),
    // by member; one round trip. Throws RedisError.
    std::map<std::string, std::vector<VisitPoint>> visits(const std::string& store,
                                                          const std::vector<std::string>& members);

    // Notes what planning `store`'s local `day` left out: `counts` maps
    // "<kind>|<reason>" to members. The first planning of a day wins, field
    // by field (HSETNX): a day planned again after a crash or a takeover
    // counts nothing twice. The record lives until `expire_at`. Throws
    // RedisError.
    void note_skips(const std::string& store, const Date& day,
                    const std::map<std::string, long long>& counts, SysSeconds expire_at);

    // The skip records of `days`, in order: nullopt for a day that has none
    // (not planned, or planned before huitou kept them). One round trip.
    // Throws RedisError.
    std::vector<std::optional<std::map<std::string, long long>>> skips(
        const std::string& store, const std::vector<Date>& days);

    // Forgets the touches due before `before` and their sent times; returns
    // how many. Throws RedisError.
    long long trim(const std::string& store, SysSeconds before);

    // Forgets the sent times (fx:sent) of the claimed records (`d`) of a
    // store on day sheets, for the local days before `before` not done yet
    // (hu:{S}:fx:forgot), at most sent_times_grace_days back: a claimed
    // record has no touch, so `trim` cannot find its sent time, and without
    // this fx:sent would keep every message ever sent. The day sheets are
    // kept that many days past the report's reach (Scheduler::expire_sheets)
    // so a scheduler that was down for a few days still finds them. Returns
    // how many sent times were forgotten. Throws RedisError.
    long long forget_sent_records(const std::string& store, const Date& before);

  private:
    RedisConnection& redis_;
};

}  // namespace huitou
