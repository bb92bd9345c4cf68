#include "io/announcement_store.h"

#include "core/visit_cycle.h"
#include "io/job_store.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/redis_scan.h"
#include "io/shard_map.h"

namespace huitou {

std::optional<std::string> AnnouncementStore::create(Announcement a) {
    if (a.id.empty()) {
        const auto n = redis_.command({"INCR", keys::announcement_counter(a.store)});
        n.expect_ok("INCR announcement counter");
        a.id = next_announcement_id(a.date, n.integer);
    }
    const auto key = keys::announcement(a.store, a.id);
    const auto fields = to_fields(a);
    // The date first, alone: HSETNX is the "only if new".
    const auto fresh = redis_.command({"HSETNX", key, "date", fields.at("date")});
    fresh.expect_ok("HSETNX announcement");
    if (fresh.integer == 0) return std::nullopt;
    RedisCommand hset{"HSET", key};
    for (const auto& [k, v] : fields) {
        hset.push_back(k);
        hset.push_back(v);
    }
    for (const auto& reply : redis_.pipeline(
             {hset,
              {"ZADD", keys::announcements(a.store), std::to_string(day_number(a.date)), a.id}}))
        reply.expect_ok("keep announcement");
    return a.id;
}

std::optional<Announcement> AnnouncementStore::get(const std::string& store,
                                                   const std::string& id) {
    if (!is_valid_announcement_id(id)) return std::nullopt;
    const auto reply = redis_.command({"HGETALL", keys::announcement(store, id)});
    reply.expect_ok("HGETALL announcement");
    const auto fields = field_map(reply);
    if (fields.empty()) return std::nullopt;
    return announcement_from_fields(store, id, fields);
}

std::vector<Announcement> AnnouncementStore::list(const std::string& store) {
    const auto ids = redis_.command({"ZRANGE", keys::announcements(store), "0", "-1"});
    ids.expect_ok("ZRANGE announcements");
    std::vector<RedisCommand> reads;
    for (const auto& id : ids.elements)
        reads.push_back({"HGETALL", keys::announcement(store, id.str)});
    std::vector<Announcement> out;
    if (reads.empty()) return out;
    const auto replies = redis_.pipeline(reads);
    for (std::size_t i = 0; i < replies.size(); ++i) {
        replies[i].expect_ok("HGETALL announcement");
        if (auto a = announcement_from_fields(store, ids.elements[i].str, field_map(replies[i])))
            out.push_back(std::move(*a));
    }
    return out;
}

std::vector<Announcement> AnnouncementStore::scheduled_on(const std::string& store,
                                                          const Date& day) {
    const std::string n = std::to_string(day_number(day));
    const auto ids = redis_.command({"ZRANGEBYSCORE", keys::announcements(store), n, n});
    ids.expect_ok("ZRANGEBYSCORE announcements");
    std::vector<Announcement> out;
    for (const auto& id : ids.elements) {
        auto a = get(store, id.str);
        if (a && !a->cancelled && a->date == day) out.push_back(std::move(*a));
    }
    return out;
}

std::vector<std::string> AnnouncementStore::job_ids(const Announcement& a) {
    std::vector<std::string> out;
    // Each shard holds its members' jobs: a SCAN of each shard's tag.
    for (const auto& shard : shards_of(redis_, a.store)) {
        const std::string prefix = keys::job_prefix(shard);
        const std::string tail = ":" + format_date(a.date) + ":" + a.id;
        const std::string pattern = prefix + "announcement:*" + keys::glob_literal(tail);
        scan_all(redis_, {"SCAN", "MATCH", pattern, "COUNT", "1000"}, [&](const RedisReply& page) {
            for (const auto& key : page.elements) {
                // The member id cannot hold ':' (is_valid_member_id): the pattern's * is hers.
                const auto id = key.str.substr(prefix.size());
                if (id.ends_with(tail)) out.push_back(id);
            }
        });
    }
    return out;
}

AnnouncementStore::Cancelled AnnouncementStore::cancel(const Config& config,
                                                       const std::string& store,
                                                       const std::string& id, const std::string& by,
                                                       SysSeconds now) {
    Cancelled out;
    auto a = get(store, id);
    if (!a) return out;
    out.found = true;
    out.was_cancelled = a->cancelled;
    if (!a->cancelled) {
        const auto reply = redis_.command({"HSET", keys::announcement(store, id), "state",
                                           "cancelled", "cancelled_by", by, "cancelled_at",
                                           std::to_string(now.time_since_epoch().count())});
        reply.expect_ok("HSET announcement cancelled");
    }
    // Its jobs, also on a second cancel: one planned meanwhile (planning
    // read it just before) is cancelled too.
    const auto ids = job_ids(*a);
    if (ids.empty()) return out;
    JobStore jobs(redis_, config.scheduler);
    const auto states = jobs.cancel_planned(
        store, ids, "announcement " + id + " cancelled by " + by, "cancelled", now);
    for (const auto& s : states) {
        if (s == JobState::planned)
            ++out.jobs_cancelled;
        else
            ++out.jobs_gone;
    }
    return out;
}

}  // namespace huitou
