// announcement_store.h — a store's announcements in Redis: created, listed,
// read for the day's planning, cancelled.
//
//   hu:{S}:ann:<id>   hash  the announcement (core/announcement.h: to_fields)
//   hu:{S}:anns       zset  id → its date's day number: the day's planning
//                           reads one score, a list reads them in date order
//   hu:{S}:anns:n     string the counter of ids made from the date
//
// Cancelling marks the hash cancelled (planning skips it from then on) and
// cancels its jobs that are still planned: an announcement's jobs are one
// hash a job in both job layouts (Scheduler::plan_day), so they are found by
// their ids' pattern "announcement:*:<date>:<id>" (SCAN, as the eraser
// finds a member's jobs) and go through JobStore::cancel_planned, the one
// cancel every person's cancel uses. A job already dispatched is not called
// back. Kept until a person removes nothing: announcements are few.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/announcement.h"
#include "core/config.h"
#include "io/redis_connection.h"

namespace huitou {

class AnnouncementStore {
  public:
    explicit AnnouncementStore(RedisConnection& redis) : redis_(redis) {}

    // Keeps `a` (checked: core/announcement.h); an empty id is made from its
    // date and the store's counter. Returns the id, or nullopt when one of
    // that id exists already. Throws RedisError.
    std::optional<std::string> create(Announcement a);

    // The announcement `id` of `store`, or nullopt. Throws RedisError.
    std::optional<Announcement> get(const std::string& store, const std::string& id);

    // The store's announcements by date (then id). Throws RedisError.
    std::vector<Announcement> list(const std::string& store);

    // The scheduled (not cancelled) announcements of `store` on `day`, for
    // the day's planning. Throws RedisError.
    std::vector<Announcement> scheduled_on(const std::string& store, const Date& day);

    struct Cancelled {
        bool found = false;
        bool was_cancelled = false;  // cancelled before: nothing changed
        std::size_t jobs_cancelled = 0;
        std::size_t jobs_gone = 0;  // dispatched or ended already: left as they are
    };
    // Cancels `id` of `store` by `by` at `now`: state cancelled, its planned
    // jobs cancelled (reason "cancelled", error naming the person). Throws
    // RedisError.
    Cancelled cancel(const Config& config, const std::string& store, const std::string& id,
                     const std::string& by, SysSeconds now);

    // The ids of the jobs planned for `a` (every state). Throws RedisError.
    std::vector<std::string> job_ids(const Announcement& a);

  private:
    RedisConnection& redis_;
};

}  // namespace huitou
