// The effect report and the results' numbers of a store on day sheets
// (scheduler.job_storage = "sheets": planned jobs are records, no touch
// index entry) against the same store on job hashes, on a real Redis, real
// sockets, the real scheduler and the outbox worker, with a fixed clock
// moved by hand: 中秋 and birthdays for the same members, a holdout, opt-outs
// cancelling planned messages, a day whose messages expire unsent, visits
// after the messages. Both layouts must give the same report, the same
// results per occasion and the same messages sent per day; a store planned
// as hashes today and then moved to sheets counts each of today's jobs once.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "io/consent_store.h"
#include "io/effect_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "io/visit_store.h"
#include "scheduler/effect_report.h"
#include "scheduler/message_results.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"
#include "workers/outbox_sender.h"
#include "workers/worker.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

std::string config_text(const std::string& storage) {
    return R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
job_storage = ")" +
           storage + R"("
[store_defaults.policy]
spread_minutes = 0
[stores.toyland]
name = "童乐玩具"
channels = ["sms"]
festivals = ["mid_autumn"]
card_expiry_days = []
[stores.toyland.winback]
enabled = false
[stores.toyland.effect]
holdout = { festival = 0.3, birthday = 0.3 }
min_group_size = 10
sms_part_price = 0.05
)";
}

constexpr int kMembers = 200;

std::string member_id(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "F%04d", i);
    return buf;
}

std::string phone_of(int i) {
    return "+86138" + std::to_string(10000000 + i);
}

// Every tenth member's birthday is on the festival (one greeting naming
// both), every seventh's the day after (those expire: nobody sends that day).
MemberRecord member(int i) {
    MemberRecord r{"toyland", member_id(i), {}, {}};
    r.set = {{"name", "会员" + std::to_string(i)}, {"phone", phone_of(i)}, {"sms_optin", "1"}};
    if (i % 10 == 0)
        r.set["birthday"] = "--09-15";
    else if (i % 7 == 0)
        r.set["birthday"] = "--09-16";
    return r;
}

struct Store {
    explicit Store(const std::string& storage)
        : config(parse_config(config_text(storage), "t.toml")) {
        spdlog::set_level(spdlog::level::warn);
        std::vector<MemberRecord> members;
        for (int i = 0; i < kMembers; ++i)
            members.push_back(member(i));
        MemberStore(redis).upsert(members);
        start();
    }

    TestRedis server;
    TempDir dir;
    Config config;
    const StoreConfig& store = *config.find_store("toyland");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T00:00:10+08:00")};
    zmq::context_t zmq;
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    RedisConnection worker_redis = server.connect();
    OutboxSender outbox{dir.file("sms.jsonl"), config};
    std::unique_ptr<Scheduler> scheduler;
    std::unique_ptr<Worker> worker;

    // A scheduler (again, as after a restart: with the config as it is now) and its worker.
    void start() {
        worker.reset();
        scheduler.reset();
        scheduler = std::make_unique<Scheduler>(config, templates, scheduler_redis, zmq, clock);
        worker = std::make_unique<Worker>(Channel::sms, config, outbox, worker_redis, zmq, clock,
                                          "sms-test", scheduler->job_endpoint(Channel::sms),
                                          scheduler->results_endpoint());
    }

    void turn() {
        const auto now = clock.now();
        scheduler->plan_due_days(now);
        scheduler->requeue_overdue(now);
        scheduler->dispatch_due(now);
        worker->poll(20ms);
        scheduler->handle_results(20ms);
    }

    // Turns at `at` until nothing of the store is due then or in flight.
    void settle_at(const char* at) {
        clock.set(*parse_instant(at));
        JobStore jobs(scheduler_redis, config.scheduler);
        REQUIRE(eventually([&] {
            turn();
            const auto c = jobs.counts("toyland");
            return jobs.count_due("toyland", clock.now()) == 0 &&
                   redis.command({"ZCOUNT", keys::sheet_due(only_shard("toyland")), "-inf",
                                  std::to_string(clock.now().time_since_epoch().count())})
                           .integer == 0 &&
                   (!c.contains("dispatched") || c.at("dispatched") == 0);
        }));
    }

    // Members F0001..F0009 opt out of SMS at the counter.
    void opt_outs() {
        ConsentStore consent(redis, config);
        for (int i = 1; i <= 9; ++i) {
            ConsentEvent e;
            e.at = clock.now();
            e.store = "toyland";
            e.channel = Channel::sms;
            e.source = ConsentSource::counter;
            e.member = member_id(i);
            e.address = phone_of(i);
            consent.record(e);
        }
    }

    // Every third member comes back on 17 September, spending 100 yuan;
    // F0004 came the evening before the festival too.
    void visits() {
        std::vector<Visit> in;
        for (int i = 0; i < kMembers; i += 3)
            in.push_back({"toyland", member_id(i), *parse_instant("2027-09-17T15:00:00+08:00"),
                          *parse_date("2027-09-17"), "id:r" + member_id(i), 10000});
        in.push_back({"toyland", member_id(4), *parse_instant("2027-09-14T19:00:00+08:00"),
                      *parse_date("2027-09-14"), "id:early", 5000});
        VisitStore(redis, config).record(in, *parse_instant("2027-09-17T16:00:00+08:00"));
    }

    // 中秋 planned at midnight, opt-outs, the day sent; the 16th planned at
    // its midnight and never sent (the clock jumps to the 17th); visits.
    void run() {
        turn();
        opt_outs();
        settle_at("2027-09-15T14:00:00+08:00");
        clock.set(*parse_instant("2027-09-16T00:00:10+08:00"));
        turn();
        settle_at("2027-09-17T00:00:10+08:00");
        visits();
        clock.set(*parse_instant("2027-09-17T16:00:00+08:00"));
    }

    nlohmann::json report() {
        const Date from = *parse_date("2027-09-01"), to = *parse_date("2027-09-30");
        return effect_json(effect_report(redis, store, from, to), store, from, to);
    }
    nlohmann::json results() {
        return message_results_json(message_results(redis, store, *parse_date("2027-09-01"),
                                                    *parse_date("2027-09-30"),
                                                    *parse_date("2027-09-17")));
    }
    std::vector<long long> per_day() {
        return sent_per_day(redis, store, *parse_date("2027-09-01"), *parse_date("2027-09-17"));
    }

    long long touch_count() {
        return redis.command({"ZCARD", keys::touches(only_shard("toyland"))}).integer;
    }
};

const nlohmann::json& kind_of(const nlohmann::json& j, const std::string& kind) {
    for (const auto& k : j.at("kinds"))
        if (k.at("kind") == kind) return k;
    FAIL("no kind " << kind << " in " << j.dump());
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a store on day sheets has the same effect report and results as one on hashes",
          "[effect_records]") {
    Store sheets("sheets");
    Store hashes("hashes");
    sheets.run();
    hashes.run();
    REQUIRE(SheetStore(sheets.redis).layout("toyland") == sheet_layout);
    REQUIRE(SheetStore(hashes.redis).layout("toyland") == hash_layout);
    // The sheets store's messages are records only: nothing in the touch index.
    CHECK(sheets.touch_count() == 0);
    CHECK(hashes.touch_count() > kMembers);

    const auto results = hashes.results();
    INFO(results.dump(1));
    // What the comparison covers: messages held out, sent, cancelled by an
    // opt-out, expired unsent, and visits after them.
    const auto& festival = kind_of(results, "festival");
    const auto& birthday = kind_of(results, "birthday");
    CHECK(festival.at("held").get<long long>() >= 20);
    CHECK(festival.at("sent").get<long long>() >= 80);
    CHECK(festival.at("not_sent").at("opted_out").get<long long>() >= 3);
    CHECK(birthday.at("expired").get<long long>() >= 5);
    CHECK(birthday.at("not_sent").at("expired") == birthday.at("expired"));
    CHECK(birthday.at("held").get<long long>() >= 1);
    CHECK(birthday.at("sent").get<long long>() >= 5);
    CHECK(festival.at("waiting") == 0);
    const auto report = hashes.report();
    INFO(report.dump(1));
    CHECK(kind_of(report, "festival").at("messaged").at("came_back").get<long long>() >= 20);
    CHECK(kind_of(report, "festival").at("held").at("came_back").get<long long>() >= 5);

    // The same numbers from the records.
    CHECK(sheets.results() == results);
    CHECK(sheets.report() == report);
    const auto per_day = hashes.per_day();
    CHECK(per_day[14] ==
          festival.at("sent").get<long long>() + birthday.at("sent").get<long long>());
    CHECK(sheets.per_day() == per_day);
}

TEST_CASE("a store planned as hashes today, then moved to sheets, counts each job once",
          "[effect_records]") {
    Store moved("hashes");
    Store hashes("hashes");
    // Today planned as job hashes; the scheduler restarts with "sheets" on
    // the same Redis: the migration writes a `d` record for each of today's
    // hashes, which have their touches.
    moved.turn();
    moved.config.scheduler.job_storage = JobStorage::sheets;
    moved.start();
    moved.turn();
    REQUIRE(SheetStore(moved.redis).layout("toyland") == sheet_layout);
    std::size_t markers = 0;
    SheetStore(moved.redis)
        .each_record("toyland", {*parse_date("2027-09-15")}, [&](const SheetStore::Place& p) {
            if (p.record.state == JobState::dispatched) ++markers;
        });
    CHECK(markers >= kMembers - 30);
    // The rest of the story as for the store that stays on hashes; the
    // 16th is planned into sheets.
    moved.opt_outs();
    moved.settle_at("2027-09-15T14:00:00+08:00");
    moved.clock.set(*parse_instant("2027-09-16T00:00:10+08:00"));
    moved.turn();
    moved.settle_at("2027-09-17T00:00:10+08:00");
    moved.visits();
    moved.clock.set(*parse_instant("2027-09-17T16:00:00+08:00"));
    hashes.run();

    CHECK(moved.results() == hashes.results());
    CHECK(moved.report() == hashes.report());
    CHECK(moved.per_day() == hashes.per_day());
    // Each message of the 15th once: as many as the store on hashes planned.
    const auto touches =
        EffectStore(moved.redis)
            .touches("toyland", *parse_instant("2027-09-15T00:00:00+08:00"),
                     *parse_instant("2027-09-15T23:59:59+08:00"), moved.store.zone);
    std::set<std::string> ids;
    for (const auto& t : touches)
        ids.insert(t.job_id);
    CHECK(ids.size() == touches.size());
    CHECK(
        static_cast<long long>(touches.size()) ==
        hashes.redis
            .command({"ZCOUNT", keys::touches(only_shard("toyland")),
                      std::to_string(
                          parse_instant("2027-09-15T00:00:00+08:00")->time_since_epoch().count()),
                      std::to_string(
                          parse_instant("2027-09-15T23:59:59+08:00")->time_since_epoch().count())})
            .integer);
}

TEST_CASE("a day's sheets are kept as long as the effect report reads them", "[effect_records]") {
    Store sheets("sheets");
    sheets.turn();
    const auto day_end = start_of_day(*parse_date("2027-09-16"), sheets.store.zone);
    const auto n = std::stoi(
        sheets.redis.command({"HGET", keys::sheets(only_shard("toyland"), "2027-09-15"), "n"}).str);
    REQUIRE(n >= 1);
    // effect.keep_days (400 by default) is longer than the job retention (35
    // days); a few days more let forget_sent_records read them.
    for (int i = 0; i < n; ++i) {
        CHECK(sheets.redis
                  .command({"EXPIRETIME", keys::sheet(only_shard("toyland"), "2027-09-15", i)})
                  .integer ==
              (day_end + date::days{400 + sent_times_grace_days}).time_since_epoch().count());
    }
}

TEST_CASE("the sent times of a day's claimed records are forgotten with the day's touches",
          "[effect_records]") {
    Store sheets("sheets");
    sheets.settle_at("2027-09-15T10:00:00+08:00");
    const auto sent = [&] {
        return sheets.redis.command({"HLEN", keys::sent_times(only_shard("toyland"))}).integer;
    };
    const long long before = sent();
    REQUIRE(before >= 100);  // the festival's messages went
    EffectStore effects(sheets.redis);
    // Not yet: the day is within the report's reach.
    CHECK(effects.forget_sent_records("toyland", *parse_date("2027-09-15")) == 0);
    CHECK(sent() == before);
    // Past it: every claimed record of the day, once.
    CHECK(effects.forget_sent_records("toyland", *parse_date("2027-09-16")) == before);
    CHECK(sent() == 0);
    CHECK(sheets.redis.command({"GET", keys::sent_times_forgotten(only_shard("toyland"))}).str ==
          "2027-09-15");
    CHECK(effects.forget_sent_records("toyland", *parse_date("2027-09-17")) == 0);
    // A scheduler away for longer than the grace reads only the last days.
    sheets.redis.command({"DEL", keys::sent_times_forgotten(only_shard("toyland"))});
    sheets.redis.command({"HSET", keys::sent_times(only_shard("toyland")),
                          "festival:F0001:2027-09-15:mid_autumn", "1"});
    CHECK(effects.forget_sent_records("toyland", Date{date::sys_days{*parse_date("2027-09-16")} +
                                                      date::days{sent_times_grace_days}}) == 0);
    CHECK(sent() == 1);
}
