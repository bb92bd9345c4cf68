// The delivery policy at dispatch (scripts/claim_due.lua) on a real Redis:
// the caps and cooldowns in Lua agree with check_contact on random
// histories, for job hashes and day-sheet records alike; a job outside its
// window waits for the opening or expires; an opt-out or a withdrawn
// consent since planning cancels it; a retry is not counted twice.
#include <catch2/catch.hpp>

#include <random>

#include "core/contact_history.h"
#include "core/delivery_policy.h"
#include "core/visit_cycle.h"
#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

const char* kConfig = R"(
[stores.toyland]
name = "童乐玩具"
[stores.toyland.policy]
max_per_day = 2
max_per_week = 3
max_per_30_days = 5
cooldown_days = { winback = 3, festival = 1 }
)";

Job job_of(Kind kind, const std::string& member, SysSeconds due, int n = 0) {
    Job j;
    j.store = "toyland";
    j.kind = kind;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(kind, member, j.occasion_date, std::to_string(n));
    j.channel = Channel::sms;
    j.to = "+86138" + std::to_string(10000000 + std::stoi(member.substr(1)));
    j.text = "hi";
    j.marketing = !is_service_notice(kind);
    j.due_at = due;
    j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    return j;
}

}  // namespace

TEST_CASE("claim_due's caps and cooldowns are check_contact's") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "claim.toml");
    const StoreConfig& store = *config.find_store("toyland");
    JobStore jobs(redis, config.scheduler);
    const SysSeconds now = *parse_instant("2027-09-15T15:00:00+08:00");
    const DispatchRules rules = dispatch_rules(store, now);
    const int today = day_number(*parse_date("2027-09-15"));
    SheetStore sheets(redis);
    const Date day = *parse_date("2027-09-15");
    const SysSeconds day_start = start_of_day(day, store.zone);
    const DaySheets day_sheets = sheets.sheets_for_day("toyland", day, 400);
    std::mt19937 random(7);
    const std::vector<Kind>& kinds = all_kinds();
    std::map<std::string, int> outcomes;
    for (int i = 0; i < 400; ++i) {
        std::vector<Contact> history;
        const int n = static_cast<int>(random() % 6);
        for (int k = 0; k < n; ++k)
            history.push_back(
                {today - static_cast<int>(random() % 35), kinds[random() % kinds.size()]});
        const Kind kind = kinds[random() % kinds.size()];
        const std::string member = "M" + std::to_string(i);
        const Job job = job_of(kind, member, now);
        redis.command({"HSET", keys::member(only_shard("toyland"), member), "sms_optin", "1", "ch",
                       format_contacts(history), "phone", job.to});
        // Every other one a record of a day sheet (issue 20's layout): the
        // claim's one `decide` serves both.
        const bool as_record = i % 2 == 1;
        if (as_record)
            REQUIRE(sheets.plan("toyland", day, day_start, day_sheets, {job}) == 1);
        else
            REQUIRE(jobs.create({job}) == 1);
        const auto claim = jobs.claim_due("toyland", now, 10, &rules);
        const auto expected = check_contact(history, kind, today, store.policy);
        INFO("history \"" << format_contacts(history) << "\", " << to_string(kind));
        ++outcomes[std::string(to_string(expected))];
        if (expected == ContactCheck::ok) {
            REQUIRE(claim.jobs.size() == 1);
            // The dispatch joined the history, as with_contact says.
            const auto ch =
                redis.command({"HGET", keys::member(only_shard("toyland"), member), "ch"});
            CHECK(parse_contacts(ch.str) == with_contact(history, today, kind));
        } else if (as_record) {
            CHECK(claim.jobs.empty());
            CHECK(claim.cancelled == 1);
            const auto got = sheets.record("toyland", day, day_sheets, job.id);
            CHECK(got->state == JobState::cancelled);
            CHECK(got->reason == reason_of(expected));
        } else {
            CHECK(claim.jobs.empty());
            CHECK(claim.cancelled == 1);
            const auto got = jobs.get("toyland", job.id);
            CHECK(got->state == JobState::cancelled);
            CHECK(got->error == reason_of(expected));
        }
    }
    // The random histories reached every verdict.
    CHECK(outcomes.size() == 5);
}

TEST_CASE("claim_due: windows, consent since planning, retries counted once") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "claim.toml");
    const StoreConfig& store = *config.find_store("toyland");
    JobStore jobs(redis, config.scheduler);
    auto claim_at = [&](const char* when) {
        const SysSeconds t = *parse_instant(when);
        const DispatchRules rules = dispatch_rules(store, t);
        return jobs.claim_due("toyland", t, 10, &rules);
    };
    redis.command({"HSET", keys::member(only_shard("toyland"), "M1"), "sms_optin", "1"});

    SECTION("due over lunch: it waits for 13:30; after the last window: expired") {
        const Job lunch = job_of(Kind::birthday, "M1", *parse_instant("2027-09-15T12:10:00+08:00"));
        jobs.create({lunch});
        auto claim = claim_at("2027-09-15T12:10:00+08:00");
        CHECK(claim.jobs.empty());
        CHECK(claim.deferred == 1);
        CHECK(claim_at("2027-09-15T13:29:59+08:00").jobs.empty());
        CHECK(claim_at("2027-09-15T13:30:00+08:00").jobs.size() == 1);

        const Job late = job_of(Kind::festival, "M1", *parse_instant("2027-09-15T20:40:00+08:00"));
        jobs.create({late});
        claim = claim_at("2027-09-15T20:40:00+08:00");
        CHECK(claim.expired == 1);
        CHECK(jobs.get("toyland", late.id)->state == JobState::expired);
    }
    SECTION("consent withdrawn or an opt-out since planning: cancelled") {
        const Job a = job_of(Kind::birthday, "M1", *parse_instant("2027-09-15T10:00:00+08:00"));
        jobs.create({a});
        redis.command({"HSET", keys::member(only_shard("toyland"), "M1"), "sms_optin", "0"});
        CHECK(claim_at("2027-09-15T10:00:00+08:00").cancelled == 1);
        CHECK(jobs.get("toyland", a.id)->error == "no_consent");
        // A service notice needs no opt-in...
        const Job notice =
            job_of(Kind::card_expiry, "M1", *parse_instant("2027-09-15T10:00:00+08:00"));
        jobs.create({notice});
        CHECK(claim_at("2027-09-15T10:00:00+08:00").jobs.size() == 1);
        // ... but an address on the opt-out list stops everything.
        redis.command({"SADD", keys::opt_outs(only_shard("toyland"), "sms"), "+8613810000002"});
        redis.command({"HSET", keys::member(only_shard("toyland"), "M2"), "sms_optin", "1"});
        const Job b = job_of(Kind::card_expiry, "M2", *parse_instant("2027-09-15T10:00:00+08:00"));
        jobs.create({b});
        CHECK(claim_at("2027-09-15T10:00:00+08:00").cancelled == 1);
        CHECK(jobs.get("toyland", b.id)->error == "opted_out");
    }
    SECTION("a retried job is counted in the history once") {
        const Job a = job_of(Kind::birthday, "M1", *parse_instant("2027-09-15T10:00:00+08:00"));
        jobs.create({a});
        REQUIRE(claim_at("2027-09-15T10:00:00+08:00").jobs.size() == 1);
        ResultMessage r{"toyland",
                        a.id,
                        Outcome::retry,
                        "test",
                        "",
                        "throttled",
                        *parse_instant("2027-09-15T10:30:00+08:00"),
                        *parse_instant("2027-09-15T10:00:01+08:00"),
                        "w"};
        jobs.record(r);
        REQUIRE(claim_at("2027-09-15T10:30:00+08:00").jobs.size() == 1);
        const auto ch = redis.command({"HGET", keys::member(only_shard("toyland"), "M1"), "ch"});
        CHECK(parse_contacts(ch.str).size() == 1);
    }
}
