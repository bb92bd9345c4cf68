#include "io/job_migration.h"

#include "core/job_record.h"
#include "core/separated_list.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"

namespace huitou {

JobMigration::JobMigration(RedisConnection& redis) : redis_(redis), mark_("migrate_records") {}

bool JobMigration::step(const std::string& store, const Date& today, SysSeconds day_start,
                        std::size_t expected, std::size_t budget) {
    SheetStore sheets(redis_);
    if (sheets.layout(store) == sheet_layout) return true;
    // migrate_records.lua writes the store's records under one tag. A store
    // over shards is on day sheets from its split (`huitou reshard` refuses
    // a store on job hashes): one on hashes is damaged data, refused — it
    // costs only that store, and nothing is planned twice.
    const auto day_sheets = sheets.sheets_for_day(store, today, expected);
    if (day_sheets.shards() != 1)
        throw RedisReplyError("migrate_records " + store,
                              "a store over " + std::to_string(day_sheets.shards()) +
                                  " shards on job hashes (jobs:v): it cannot be moved to day "
                                  "sheets");
    const int n = day_sheets.counts.front();
    const auto place_key = keys::store_prefix(store) + "jobs:migrate";
    const auto place = redis_.command({"GET", place_key});
    place.expect_ok("GET jobs:migrate");
    const std::size_t done =
        place.type == RedisReply::Type::string ? std::stoul(place.str) : std::size_t{0};

    // Today's jobs, by due time: layout 1 planned only today's (a lead day
    // moves the occasion, not the due day), so what is due from the day's
    // start on is today's. A retry moves a job's due but not its touch.
    const auto start = unix_seconds(day_start);
    const auto end = unix_seconds(day_start + std::chrono::days{1});
    const auto touches =
        redis_.command({"ZRANGEBYSCORE", keys::touches(only_shard(store)), start, "(" + end,
                        "WITHSCORES", "LIMIT", std::to_string(done), std::to_string(budget)});
    touches.expect_ok("ZRANGEBYSCORE fx:touch");

    // The script builds its keys from the prefix; the store's layout key, unused
    // by it, is in KEYS so a Redis Cluster runs it on the store's master.
    LuaScript::Call call{{keys::jobs_version(store)},
                         {keys::store_prefix(store), format_date(today)}};
    for (std::size_t i = 0; i + 1 < touches.elements.size(); i += 2) {
        // "<job id>|<h or m>|<channel>|<SMS parts>" (create_job.lua)
        const auto touch = split_list(touches.elements[i].str, '|');
        if (touch.size() != 4) continue;
        const auto& id = touch[0];
        const auto parts = parse_job_id(id);
        const auto field = record_field(id, today);
        const auto channel = parse_channel(touch[2]);
        if (!parts || !field || !channel) continue;  // not a job this layout can hold
        JobRecord record;
        record.state = JobState::dispatched;  // "its hash holds it"
        record.channel = *channel;
        record.marketing = !is_service_notice(parts->kind);
        record.sms_parts = touch[3].size() == 1 && touch[3][0] >= '0' && touch[3][0] <= '9'
                               ? touch[3][0] - '0'
                               : 9;
        const auto due = std::chrono::seconds{std::stoll(touches.elements[i + 1].str)} -
                         day_start.time_since_epoch();
        record.due = std::max(due, std::chrono::seconds{0});
        auto& a = call.args;
        a.push_back(id);
        a.push_back(std::to_string(sheet_of(parts->member_id, n)));
        a.push_back(*field);
        a.push_back(encode_record(record));
        a.push_back(format_date(parts->occasion));
    }
    if (call.args.size() > 2) mark_.run(redis_, call.keys, call.args).expect_ok("migrate_records");

    const std::size_t looked = touches.elements.size() / 2;
    if (looked == budget) {
        redis_.command({"SET", place_key, std::to_string(done + looked)})
            .expect_ok("SET jobs:migrate");
        return false;
    }
    sheets.set_layout(store, sheet_layout);
    mark_layout_day(redis_, store, today);  // the listings' end of layout-1 hashes
    redis_.command({"DEL", place_key}).expect_ok("DEL jobs:migrate");
    return true;
}

}  // namespace huitou
