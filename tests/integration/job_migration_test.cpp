// A store moved from one hash a job to day sheets while its day runs
// (io/job_migration.h): the day's jobs that layout 1 created are not
// planned again by layout 2, the planned ones still go with their words,
// and a migration interrupted midway is resumed where it stopped.
#include "io/job_migration.h"

#include <catch2/catch.hpp>

#include "io/job_store.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

// A job as layout 1's planning writes it (create_job.lua, the fixture of
// what today's version leaves in Redis).
Job festival_job(int i) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::festival;
    j.member_id = "M" + std::to_string(i);
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, j.member_id, j.occasion_date, "mid_autumn");
    j.channel = i % 3 == 0 ? Channel::wechat : Channel::sms;
    j.to = j.channel == Channel::sms ? "+86138001" + std::to_string(38000 + i)
                                     : "oWX" + std::to_string(i);
    j.text = "【童乐玩具】中秋节快乐！回T退订";
    j.due_at = at("2027-09-15T10:00:00+08:00") + std::chrono::seconds{i};
    j.expires_at = at("2027-09-16T00:00:00+08:00");
    j.created_at = at("2027-09-15T00:00:01+08:00");
    return j;
}

}  // namespace

TEST_CASE("a store on job hashes moves to day sheets without planning anything twice",
          "[sheets][migration]") {
    TestRedis server;
    auto redis = server.connect();
    SchedulerConfig cfg;
    JobStore jobs(redis, cfg);
    SheetStore sheets(redis);
    const Date day = *parse_date("2027-09-15");
    const SysSeconds start = at("2027-09-15T00:00:00+08:00");

    std::vector<Job> today;
    for (int i = 0; i < 250; ++i)
        today.push_back(festival_job(i));
    today[5].state = JobState::held;
    REQUIRE(jobs.create(today) == 250);
    // Yesterday's job: not today's, so the migration leaves it alone.
    Job old = festival_job(900);
    old.occasion_date = *parse_date("2027-09-14");
    old.id = make_job_id(old.kind, old.member_id, old.occasion_date, "mid_autumn");
    old.due_at = at("2027-09-14T10:00:00+08:00");
    old.expires_at = start;
    REQUIRE(jobs.create({old}) == 1);
    // Some of the day went out before the upgrade.
    const auto claimed = jobs.claim_due("toyland", at("2027-09-15T10:00:40+08:00"), 41);
    REQUIRE(claimed.jobs.size() == 40);  // yesterday's expired; the held one never due
    REQUIRE(claimed.expired == 1);

    CHECK(sheets.layout("toyland") == hash_layout);
    // Interrupted: a step looks at 100 jobs, and a new migrator (another
    // scheduler, after a crash) goes on from where the last one stopped.
    CHECK_FALSE(JobMigration(redis).step("toyland", day, start, 1000, 100));
    CHECK(redis.command({"GET", keys::store_prefix("toyland") + "jobs:migrate"}).str == "100");
    CHECK(sheets.layout("toyland") == hash_layout);
    CHECK_FALSE(layout_day(redis, "toyland"));
    CHECK_FALSE(JobMigration(redis).step("toyland", day, start, 1000, 100));
    CHECK(JobMigration(redis).step("toyland", day, start, 1000, 100));
    CHECK(sheets.layout("toyland") == sheet_layout);
    CHECK(layout_day(redis, "toyland") == day);  // the listings' end of layout-1 hashes
    CHECK(redis.command({"EXISTS", keys::store_prefix("toyland") + "jobs:migrate"}).integer == 0);
    // Done is done.
    CHECK(JobMigration(redis).step("toyland", day, start, 1000, 100));

    const DaySheets n = sheets.sheets_for_day("toyland", day, 1);
    CHECK(n.counts ==
          std::vector<int>{sheet_count(1000)});  // fixed by the migration as planning would
    // Every job of today has its record, "held by its hash", never due.
    for (const auto& job : today) {
        const auto record = sheets.record("toyland", day, n, job.id);
        REQUIRE(record);
        CHECK(record->state == JobState::dispatched);
        CHECK(record->channel == job.channel);
        CHECK(record->due == job.due_at - start);
    }
    CHECK(redis.command({"EXISTS", keys::sheet_due(only_shard("toyland"))}).integer == 0);
    CHECK_FALSE(sheets.record("toyland", *parse_date("2027-09-14"), DaySheets{{1}}, old.id));
    // Nothing counted twice.
    CHECK(jobs.counts("toyland").at("planned") == 249 - 40);

    // Layout 2 plans the same day again: nothing is created twice.
    std::vector<Job> again = today;
    again.push_back(festival_job(300));  // one member new since: planned now
    CHECK(sheets.plan("toyland", day, start, n, again) == 1);

    // The hashes go on as they were: the planned ones are claimed with
    // their words, once; the dispatched ones keep their dispatch.
    const auto rest = jobs.claim_due("toyland", at("2027-09-15T11:00:00+08:00"), 1000);
    CHECK(rest.jobs.size() == 249 - 40);
    for (const auto& job : rest.jobs)
        CHECK(job.text == "【童乐玩具】中秋节快乐！回T退订");
    CHECK(jobs.get("toyland", today[0].id)->state == JobState::dispatched);
}

TEST_CASE("a store with no jobs moves to day sheets at once", "[sheets][migration]") {
    TestRedis server;
    auto redis = server.connect();
    CHECK(JobMigration(redis).step("toyland", *parse_date("2027-09-15"),
                                   at("2027-09-15T00:00:00+08:00"), 10, 100));
    CHECK(SheetStore(redis).layout("toyland") == sheet_layout);
}

TEST_CASE("a damaged layout is said, not guessed", "[sheets][migration]") {
    TestRedis server;
    auto redis = server.connect();
    redis.command({"SET", keys::jobs_version("toyland"), "7"});
    CHECK_THROWS_AS(SheetStore(redis).layout("toyland"), RedisReplyError);
}
