// Planned jobs as records of their day's sheets (io/sheet_store.h): created
// once, a member's records in one sheet, each sheet due at its earliest
// record, held records never due, the day found from the occasion date.
#include "io/sheet_store.h"

#include <catch2/catch.hpp>

#include "io/redis_keys.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

Job festival_job(const std::string& member, SysSeconds due) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::festival;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date, "mid_autumn");
    j.channel = Channel::sms;
    j.to = "+8613800138000";
    j.text = "【童乐玩具】王女士，中秋节快乐！月圆人团圆，童乐玩具祝您阖家幸福。回T退订";
    j.due_at = due;
    j.expires_at = at("2027-09-16T00:00:00+08:00");
    return j;
}

}  // namespace

TEST_CASE("a festival's jobs as records of the day's sheets", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    SheetStore sheets(redis);
    const Date day = *parse_date("2027-09-15");
    const SysSeconds start = at("2027-09-15T00:00:00+08:00");

    // The first planner fixes the day's sheet count; the next one reads it.
    const DaySheets n = sheets.sheets_for_day("toyland", day, 1000);
    CHECK(n.counts == std::vector<int>{16});
    CHECK(sheets.sheets_for_day("toyland", day, 5).counts == std::vector<int>{16});

    std::vector<Job> jobs;
    for (int i = 0; i < 1000; ++i) {
        jobs.push_back(festival_job("M" + std::to_string(i),
                                    at("2027-09-15T10:00:00+08:00") + std::chrono::seconds{i}));
    }
    jobs[7].state = JobState::held;
    jobs[7].holdout_record = "2027 h";
    jobs[8].params["merged"] = "birthday:M8:2027-09-15";

    CHECK(sheets.plan("toyland", day, start, n, jobs) == 1000);
    // Planning again (a restart, a second replica) creates nothing.
    CHECK(sheets.plan("toyland", day, start, n, jobs) == 0);

    const auto meta =
        redis.command({"HGETALL", keys::sheets(only_shard("toyland"), format_date(day))});
    std::map<std::string, std::string> fields;
    for (std::size_t i = 0; i + 1 < meta.elements.size(); i += 2)
        fields[meta.elements[i].str] = meta.elements[i + 1].str;
    CHECK(fields["planned"] == "999");
    CHECK(fields["held"] == "1");
    CHECK(redis.command({"HGET", keys::counts(only_shard("toyland")), "planned"}).str == "999");

    // Every record is where its id says, and reads back as planned.
    std::size_t records = 0;
    for (int i = 0; i < n.counts[0]; ++i) {
        const auto len =
            redis.command({"HLEN", keys::sheet(only_shard("toyland"), format_date(day), i)})
                .integer;
        CHECK(len < 128);  // a listpack
        records += static_cast<std::size_t>(len);
        CHECK(redis
                  .command({"OBJECT", "ENCODING",
                            keys::sheet(only_shard("toyland"), format_date(day), i)})
                  .str == "listpack");
    }
    CHECK(records == 1000);
    const auto first = sheets.record("toyland", day, n, jobs[0].id);
    REQUIRE(first);
    CHECK(first->state == JobState::planned);
    CHECK(first->due == 10h);
    CHECK(first->sms_parts == 1);
    CHECK(sheets.record("toyland", day, n, jobs[7].id)->state == JobState::held);
    CHECK(sheets.record("toyland", day, n, jobs[8].id)->merged == "bM8");
    CHECK_FALSE(sheets.record("toyland", day, n, "festival:M5000:2027-09-15:mid_autumn"));
    CHECK(redis.command({"HGET", "hu:{toyland}:holdout:festival", "M7"}).str == "2027 h");

    // Each sheet is due at its earliest planned record; the held one is never due.
    const auto due =
        redis.command({"ZRANGE", keys::sheet_due(only_shard("toyland")), "0", "-1", "WITHSCORES"});
    REQUIRE(due.elements.size() == 2 * static_cast<std::size_t>(n.counts[0]));
    for (std::size_t i = 0; i < due.elements.size(); i += 2) {
        const auto name = due.elements[i].str;
        const int sheet = std::stoi(name.substr(name.rfind(':') + 1));
        long long earliest = 0;
        for (const auto& job : jobs) {
            if (job.state == JobState::held || sheet_of(job.member_id, n.counts[0]) != sheet)
                continue;
            const long long t = job.due_at.time_since_epoch().count();
            if (earliest == 0 || t < earliest) earliest = t;
        }
        CHECK(name.substr(0, 11) == "2027-09-15:");
        CHECK(std::stoll(due.elements[i + 1].str) == earliest);
    }
    // An earlier job planned later moves its sheet's due time; a later one does not.
    auto early = festival_job("M0", at("2027-09-15T09:00:00+08:00"));
    early.id = make_job_id(Kind::birthday, "M0", day);
    early.kind = Kind::birthday;
    CHECK(sheets.plan("toyland", day, start, n, {early}) == 1);
    const auto sheet0 = format_date(day) + ":" + std::to_string(sheet_of("M0", n.counts[0]));
    CHECK(redis.command({"ZSCORE", keys::sheet_due(only_shard("toyland")), sheet0}).str ==
          std::to_string(at("2027-09-15T09:00:00+08:00").time_since_epoch().count()));

    // The occasion date leads to the day.
    CHECK(redis
              .command({"SISMEMBER", keys::occasion_days(only_shard("toyland"), format_date(day)),
                        "2027-09-15"})
              .integer == 1);

    sheets.expire_day("toyland", day, n, at("2027-11-01T00:00:00+08:00"));
    CHECK(redis.command({"TTL", keys::sheet(only_shard("toyland"), format_date(day), 3)}).integer >
          0);
    CHECK(redis.command({"TTL", keys::sheets(only_shard("toyland"), format_date(day))}).integer >
          0);
}
