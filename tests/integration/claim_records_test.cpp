// The claim of a day-sheets store (scripts/claim_due.lua, io/job_store.h)
// on a real Redis: records planned by SheetStore::plan are claimed into
// textless job hashes that the hash path of today moves on (begin_send,
// mark_call, record_result), with the member's hash for their words; the
// policy's re-checks end records in the record itself; each sheet's due
// score follows its records; the limit is shared with the job hashes.
#include <catch2/catch.hpp>

#include <set>

#include "core/delivery_policy.h"
#include "core/visit_cycle.h"
#include "io/job_store.h"
#include "io/redis_fields.h"
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

[stores.babycare]
name = "贝贝母婴"
approve_before_send = true
)";

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

long long unix(SysSeconds t) {
    return t.time_since_epoch().count();
}

FieldMap hash_of(RedisConnection& redis, const std::string& key) {
    const auto reply = redis.command({"HGETALL", key});
    FieldMap out;
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        out[reply.elements[i].str] = reply.elements[i + 1].str;
    return out;
}

// A store of sheet_layout with members, records planned on days, and the
// claim as the scheduler makes it (with the store's rules at `now`).
struct Sheets {
    TestRedis server;
    RedisConnection redis = server.connect();
    Config config = parse_config(kConfig, "claim_records.toml");
    SheetStore sheets{redis};
    JobStore jobs{redis, config.scheduler};
    std::string store = "toyland";

    Sheets() { sheets.set_layout("toyland", sheet_layout); }

    void member(const std::string& id, std::vector<std::string> fields) {
        std::vector<std::string> command{"HSET", keys::member(only_shard(store), id)};
        command.insert(command.end(), fields.begin(), fields.end());
        redis.command(command).expect_ok("HSET member");
    }
    Job job(Kind kind, const std::string& member, const char* due, Channel channel = Channel::sms,
            const char* detail = "") {
        Job j;
        j.store = store;
        j.kind = kind;
        j.member_id = member;
        j.due_at = at(due);
        j.occasion_date = local_date(j.due_at, config.find_store(store)->zone);
        j.id = make_job_id(kind, member, j.occasion_date, detail);
        j.channel = channel;
        j.to = "+8613900000000";  // the address planning saw: the claim takes today's
        j.text = "童乐玩具祝您生日快乐";
        j.marketing = kind != Kind::card_expiry;
        j.expires_at = start_of_day(Date{date::sys_days{j.occasion_date} + date::days{1}},
                                    config.find_store(store)->zone);
        return j;
    }
    // Plans `jobs` on their due day (of the first), one sheet a day unless told.
    std::size_t plan(const std::vector<Job>& planned, std::size_t expected = 10) {
        const auto* zone = config.find_store(store)->zone;
        const Date day = local_date(planned.front().due_at, zone);
        const DaySheets n = sheets.sheets_for_day(store, day, expected);
        return sheets.plan(store, day, start_of_day(day, zone), n, planned);
    }
    ClaimResult claim(const char* when, int limit = 10) {
        const SysSeconds t = at(when);
        const DispatchRules rules = dispatch_rules(*config.find_store(store), t);
        return jobs.claim_due(store, t, limit, &rules);
    }
    std::optional<JobRecord> record(const Job& j) {
        const auto* zone = config.find_store(store)->zone;
        const Date day = local_date(j.due_at, zone);
        const DaySheets n = sheets.sheets_for_day(store, day, 10);
        return sheets.record(store, day, n, j.id);
    }
    std::optional<double> sheet_score(const std::string& sheet) {
        const auto reply = redis.command({"ZSCORE", keys::sheet_due(only_shard(store)), sheet});
        if (reply.type != RedisReply::Type::string) return std::nullopt;
        return std::stod(reply.str);
    }
    bool has_hash(const Job& j) {
        return redis.command({"EXISTS", keys::job(only_shard(store), j.id)}).integer == 1;
    }
};

}  // namespace

TEST_CASE("records claimed into textless job hashes that the hash path moves on", "[sheets]") {
    Sheets s;
    s.member("M1", {"name", "王芳", "phone", "+8613800000001", "sms_optin", "1"});
    s.member("M2", {"name", "李雷", "openid", "oM2", "wechat_optin", "1", "wechat_sub", "1"});
    s.member("M3", {"name", "张三", "phone", "+8613800000003", "sms_optin", "1"});
    auto festival =
        s.job(Kind::festival, "M1", "2027-09-15T10:00:00+08:00", Channel::sms, "mid_autumn");
    festival.params["merged"] = "birthday:M1:2027-09-15";
    const auto birthday = s.job(Kind::birthday, "M2", "2027-09-15T10:00:00+08:00", Channel::wechat);
    const auto later = s.job(Kind::birthday, "M3", "2027-09-15T15:00:00+08:00");
    REQUIRE(s.plan({festival, birthday, later}) == 3);
    const std::string sheet = "2027-09-15:0";
    CHECK(s.sheet_score(sheet) == unix(at("2027-09-15T10:00:00+08:00")));
    CHECK(s.jobs.next_due("toyland") == at("2027-09-15T10:00:00+08:00"));
    CHECK(s.jobs.count_due("toyland", at("2027-09-15T09:59:59+08:00")) == 0);
    CHECK(s.jobs.count_due("toyland", at("2027-09-15T10:00:00+08:00")) == 1);

    const SysSeconds now = at("2027-09-15T10:00:00+08:00");
    const auto claim = s.claim("2027-09-15T10:00:00+08:00");
    REQUIRE(claim.jobs.size() == 2);
    CHECK(claim.expired + claim.failed + claim.cancelled + claim.deferred == 0);
    std::map<std::string, Job> got;
    for (const auto& j : claim.jobs)
        got[j.id] = j;
    REQUIRE(got.contains(festival.id));
    REQUIRE(got.contains(birthday.id));

    // The Job, as the contract says: rebuilt from the day and the record,
    // addressed to the member as she is now, without text.
    const Job& f = got[festival.id];
    CHECK(f.store == "toyland");
    CHECK(f.kind == Kind::festival);
    CHECK(f.member_id == "M1");
    CHECK(f.occasion_date == *parse_date("2027-09-15"));
    CHECK(f.marketing);
    CHECK(f.channel == Channel::sms);
    CHECK(f.to == "+8613800000001");
    CHECK(f.due_at == now);
    CHECK(f.expires_at == at("2027-09-16T00:00:00+08:00"));
    CHECK(f.state == JobState::dispatched);
    CHECK(f.attempts == 1);
    CHECK(f.created_at == now);
    CHECK(f.text.empty());
    CHECK(f.params == std::map<std::string, std::string>{{"merged", "birthday:M1:2027-09-15"}});
    const Job& b = got[birthday.id];
    CHECK(b.channel == Channel::wechat);
    CHECK(b.to == "oM2");
    CHECK(b.params.empty());
    // Their members, read whole, for the words.
    REQUIRE(claim.members.size() == 2);
    CHECK(claim.members.at("M1").at("name") == "王芳");
    CHECK(claim.members.at("M1").at("phone") == "+8613800000001");
    CHECK(claim.members.at("M2").at("openid") == "oM2");

    // The hash: core/job.h's fields without text, and where its record is.
    const auto hash = hash_of(s.redis, keys::job(only_shard("toyland"), festival.id));
    CHECK(hash.at("sheet") == sheet);
    CHECK(hash.at("field") == "fM1:mid_autumn");
    CHECK(hash.at("occasion") == "2027-09-15");
    CHECK(hash.at("state") == "dispatched");
    CHECK(hash.at("dispatched_at") == std::to_string(unix(now)));
    CHECK(hash.at("reserved") == "1");
    CHECK_FALSE(hash.contains("text"));
    // The records say their hash holds them; the sheet is due at the next one.
    CHECK(s.record(festival)->state == JobState::dispatched);
    CHECK(s.record(birthday)->state == JobState::dispatched);
    CHECK(s.record(later)->state == JobState::planned);
    CHECK(s.sheet_score(sheet) == unix(at("2027-09-15T15:00:00+08:00")));
    CHECK(s.jobs.next_due("toyland") == at("2027-09-15T15:00:00+08:00"));
    CHECK(s.jobs.count_in_flight("toyland") == 2);
    // The store's counts and the day's.
    const auto counts = s.jobs.counts("toyland");
    CHECK(counts.at("planned") == 1);
    CHECK(counts.at("dispatched") == 2);
    const auto day = hash_of(s.redis, keys::sheets(only_shard("toyland"), "2027-09-15"));
    CHECK(day.at("planned") == "1");
    CHECK(day.at("dispatched") == "2");
    // The dispatch joined the member's contact history.
    CHECK(hash_of(s.redis, keys::member(only_shard("toyland"), "M1")).at("ch") ==
          std::to_string(day_number(*parse_date("2027-09-15"))) + "f");
    // Nothing is claimed twice.
    CHECK(s.claim("2027-09-15T10:00:00+08:00").jobs.empty());

    // From here on, the hash path of today.
    JobMessage m{f.store, f.id,    f.member_id, f.kind,     f.channel,
                 f.to,    "words", f.params,    f.attempts, f.expires_at};
    CHECK(s.jobs.begin_send("toyland", f.id, 1, "w1", now) == BeginSend::ok);
    CHECK(s.jobs.mark_call(m, "w1", now).ok);
    ResultMessage sent{"toyland", f.id,         Outcome::sent, "outbox", "ref-1",
                       "",        std::nullopt, now + 1s,      "w1"};
    CHECK(s.jobs.record(sent) == JobState::sent);
    CHECK(s.jobs.get("toyland", f.id)->state == JobState::sent);
    CHECK(s.jobs.count_in_flight("toyland") == 1);

    // The last record: the sheet leaves the due set.
    const auto last = s.claim("2027-09-15T15:00:00+08:00");
    REQUIRE(last.jobs.size() == 1);
    CHECK(last.jobs[0].id == later.id);
    CHECK_FALSE(s.sheet_score(sheet));
    CHECK(s.redis.command({"ZCARD", keys::sheet_due(only_shard("toyland"))}).integer == 0);
    CHECK_FALSE(s.jobs.next_due("toyland"));

    // A replan (a restart, a second replica) creates nothing, claims nothing.
    CHECK(s.plan({festival, birthday, later}) == 0);
    CHECK(s.redis.command({"ZCARD", keys::sheet_due(only_shard("toyland"))}).integer == 0);
    CHECK(s.claim("2027-09-15T16:00:00+08:00").jobs.empty());
    CHECK(s.record(later)->state == JobState::dispatched);
}

TEST_CASE("records wait for a window, end with their day, and expire on a later day", "[sheets]") {
    Sheets s;
    s.member("M1", {"phone", "+8613800000001", "sms_optin", "1"});
    s.member("M2", {"phone", "+8613800000002", "sms_optin", "1"});

    SECTION("due over lunch: the sheet is due at 13:30") {
        const auto lunch = s.job(Kind::birthday, "M1", "2027-09-15T12:10:00+08:00");
        s.plan({lunch});
        const auto claim = s.claim("2027-09-15T12:10:00+08:00");
        CHECK(claim.jobs.empty());
        CHECK(claim.deferred == 1);
        CHECK(s.sheet_score("2027-09-15:0") == unix(at("2027-09-15T13:30:00+08:00")));
        CHECK(s.record(lunch)->state == JobState::planned);
        CHECK(s.claim("2027-09-15T13:29:59+08:00").jobs.empty());
        CHECK(s.claim("2027-09-15T13:30:00+08:00").jobs.size() == 1);
    }
    SECTION("after the last window: expired, no_window") {
        const auto late = s.job(Kind::birthday, "M1", "2027-09-15T20:40:00+08:00");
        s.plan({late});
        const auto claim = s.claim("2027-09-15T20:40:00+08:00");
        CHECK(claim.expired == 1);
        const auto r = s.record(late);
        CHECK(r->state == JobState::expired);
        CHECK(r->reason == "no_window");
        CHECK_FALSE(s.has_hash(late));
        CHECK_FALSE(s.sheet_score("2027-09-15:0"));
        CHECK(s.jobs.counts("toyland").at("expired") == 1);
    }
    SECTION("a sheet of yesterday has only expired records left") {
        const auto a = s.job(Kind::birthday, "M1", "2027-09-14T10:00:00+08:00");
        const auto b = s.job(Kind::birthday, "M2", "2027-09-14T19:00:00+08:00");
        s.plan({a, b});
        // The scheduler was down from 09:00 yesterday to 09:00 today.
        const auto claim = s.claim("2027-09-15T09:00:00+08:00");
        CHECK(claim.jobs.empty());
        CHECK(claim.expired == 2);
        CHECK(s.record(a)->state == JobState::expired);
        CHECK(s.record(a)->reason == "expired");
        CHECK(s.record(b)->state == JobState::expired);
        CHECK_FALSE(s.sheet_score("2027-09-14:0"));
        const auto day = hash_of(s.redis, keys::sheets(only_shard("toyland"), "2027-09-14"));
        CHECK(day.at("planned") == "0");
        CHECK(day.at("expired") == "2");
    }
}

TEST_CASE("the policy's re-checks end records in the record", "[sheets]") {
    Sheets s;
    const int today = day_number(*parse_date("2027-09-15"));
    s.redis.command({"SET", keys::webhooks_on(only_shard("toyland")), "1"});
    // Planned to an old phone; opted out on her phone of now.
    s.member("OO", {"phone", "+8613800000001", "sms_optin", "1"});
    s.redis.command({"SADD", keys::opt_outs(only_shard("toyland"), "sms"), "+8613800000001"});
    s.member("NC", {"phone", "+8613800000002", "sms_optin", "0"});
    s.member("CA", {"phone", "+8613800000003", "sms_optin", "1", "ch",
                    std::to_string(today) + "e " + std::to_string(today) + "f"});
    s.member("AD", {"openid", "oAD", "sms_optin", "1"});
    s.member("OK", {"phone", "+8613800000005", "sms_optin", "1"});
    const char* ten = "2027-09-15T10:00:00+08:00";
    const std::vector<std::pair<Job, std::string>> cases{
        {s.job(Kind::birthday, "OO", ten), "opted_out"},
        {s.job(Kind::birthday, "NC", ten), "no_consent"},
        {s.job(Kind::birthday, "CA", ten), "capped"},
        {s.job(Kind::birthday, "ER", ten), "erased"},  // no member hash
        {s.job(Kind::birthday, "AD", ten), "no_address"},
    };
    std::vector<Job> planned{s.job(Kind::birthday, "OK", ten)};
    for (const auto& [job, reason] : cases)
        planned.push_back(job);
    REQUIRE(s.plan(planned) == 6);

    const auto claim = s.claim(ten);
    REQUIRE(claim.jobs.size() == 1);
    CHECK(claim.jobs[0].member_id == "OK");
    CHECK(claim.cancelled == 5);
    for (const auto& [job, reason] : cases) {
        INFO(job.id);
        const auto r = s.record(job);
        CHECK(r->state == JobState::cancelled);
        CHECK(r->reason == reason);
        CHECK_FALSE(s.has_hash(job));
    }
    // Nothing was added to the histories of those it did not reach.
    CHECK(hash_of(s.redis, keys::member(only_shard("toyland"), "CA")).at("ch") ==
          std::to_string(today) + "e " + std::to_string(today) + "f");
    CHECK(s.jobs.counts("toyland").at("cancelled") == 5);
    CHECK(hash_of(s.redis, keys::sheets(only_shard("toyland"), "2027-09-15")).at("cancelled") ==
          "5");
    // Each ended one is a webhook event with its reason.
    const auto events =
        s.redis.command({"XRANGE", keys::webhook_events(only_shard("toyland")), "-", "+"});
    std::set<std::string> reasons;
    for (const auto& e : events.elements) {
        const auto fields = field_map(e.elements[1]);
        CHECK(fields.at("t") == "message.skipped");
        const auto d = fields.at("d");
        const auto pos = d.find("\"reason\":\"");
        REQUIRE(pos != std::string::npos);
        reasons.insert(d.substr(pos + 10, d.find('"', pos + 10) - pos - 10));
    }
    CHECK(reasons ==
          std::set<std::string>{"opted_out", "no_consent", "capped", "erased", "no_address"});
}

TEST_CASE("a store that sends only what was approved claims a record once approved", "[sheets]") {
    Sheets s;
    s.store = "babycare";
    s.sheets.set_layout("babycare", sheet_layout);
    s.member("M1", {"phone", "+8613800000001", "sms_optin", "1"});
    const auto job = s.job(Kind::birthday, "M1", "2027-09-15T10:00:00+08:00");
    s.plan({job});
    auto claim = s.claim("2027-09-15T10:00:00+08:00");
    CHECK(claim.jobs.empty());
    CHECK(claim.deferred == 1);
    // Waiting for the approval: looked at again at the day's end.
    CHECK(s.sheet_score("2027-09-15:0") == unix(at("2027-09-16T00:00:00+08:00")));
    CHECK(s.record(job)->state == JobState::planned);
    // Approved (approve_day.lua lists it and makes its sheet due).
    s.redis.command(
        {"HSET", keys::approval(only_shard("babycare"), "2027-09-15"), "j:" + job.id, "1"});
    s.redis.command({"ZADD", keys::sheet_due(only_shard("babycare")),
                     std::to_string(unix(at("2027-09-15T11:00:00+08:00"))), "2027-09-15:0"});
    claim = s.claim("2027-09-15T11:00:00+08:00");
    REQUIRE(claim.jobs.size() == 1);
    CHECK(claim.jobs[0].id == job.id);
}

TEST_CASE("the limit is shared by records and hashes, and cuts a sheet that stays due",
          "[sheets]") {
    Sheets s;
    std::vector<Job> planned;
    for (int i = 0; i < 10; ++i) {
        const std::string id = "M" + std::to_string(i);
        s.member(id, {"phone", "+861380000000" + std::to_string(i), "sms_optin", "1"});
        planned.push_back(s.job(Kind::birthday, id, "2027-09-15T10:00:00+08:00"));
    }
    REQUIRE(s.plan(planned) == 10);
    // A job hash due too (a store being migrated has both).
    s.member("H", {"phone", "+8613811111111", "sms_optin", "1"});
    auto hashed = s.job(Kind::birthday, "H", "2027-09-15T09:30:00+08:00");
    REQUIRE(s.jobs.create({hashed}) == 1);

    auto claim = s.claim("2027-09-15T10:00:00+08:00", 4);
    CHECK(claim.jobs.size() == 4);
    // Records first; the sheet is still due now.
    for (const auto& j : claim.jobs)
        CHECK(j.text.empty());
    const auto score = s.sheet_score("2027-09-15:0");
    REQUIRE(score);
    CHECK(*score <= static_cast<double>(unix(at("2027-09-15T10:00:00+08:00"))));
    CHECK(s.claim("2027-09-15T10:00:00+08:00", 4).jobs.size() == 4);
    claim = s.claim("2027-09-15T10:00:00+08:00", 4);
    REQUIRE(claim.jobs.size() == 3);
    int from_hash = 0;
    for (const auto& j : claim.jobs)
        from_hash += j.id == hashed.id ? 1 : 0;
    CHECK(from_hash == 1);
    CHECK_FALSE(s.sheet_score("2027-09-15:0"));
    CHECK(s.jobs.count_in_flight("toyland") == 11);
    // A job with its text needs no member in the reply.
    CHECK_FALSE(claim.members.contains("H"));
    CHECK(claim.members.size() == 2);
}

TEST_CASE("a record's job retried comes back through the hash path with its member", "[sheets]") {
    Sheets s;
    s.member("M1", {"name", "王芳", "phone", "+8613800000001", "sms_optin", "1"});
    auto festival =
        s.job(Kind::festival, "M1", "2027-09-15T10:00:00+08:00", Channel::sms, "mid_autumn");
    festival.params["merged"] = "birthday:M1:2027-09-15";
    s.plan({festival});
    const SysSeconds now = at("2027-09-15T10:00:00+08:00");
    auto claim = s.claim("2027-09-15T10:00:00+08:00");
    REQUIRE(claim.jobs.size() == 1);
    const Job f = claim.jobs[0];
    JobMessage m{f.store, f.id,    f.member_id, f.kind,     f.channel,
                 f.to,    "words", f.params,    f.attempts, f.expires_at};
    REQUIRE(s.jobs.begin_send("toyland", f.id, 1, "w1", now) == BeginSend::ok);
    REQUIRE(s.jobs.mark_call(m, "w1", now).ok);
    ResultMessage retry{
        "toyland", f.id, Outcome::retry, "outbox", "", "throttled", at("2027-09-15T10:30:00+08:00"),
        now + 1s,  "w1"};
    CHECK(s.jobs.record(retry) == JobState::planned);
    CHECK(s.jobs.next_due("toyland") == at("2027-09-15T10:30:00+08:00"));
    CHECK(s.claim("2027-09-15T10:29:59+08:00").jobs.empty());

    claim = s.claim("2027-09-15T10:30:00+08:00");
    REQUIRE(claim.jobs.size() == 1);
    const Job& again = claim.jobs[0];
    CHECK(again.id == f.id);
    CHECK(again.attempts == 2);
    CHECK(again.text.empty());
    CHECK(again.to == "+8613800000001");
    CHECK(again.params.at("merged") == "birthday:M1:2027-09-15");
    REQUIRE(claim.members.contains("M1"));
    CHECK(claim.members.at("M1").at("name") == "王芳");
    // Counted in the contact history once.
    CHECK(hash_of(s.redis, keys::member(only_shard("toyland"), "M1")).at("ch") ==
          std::to_string(day_number(*parse_date("2027-09-15"))) + "f");
    // The record still says its hash holds it.
    CHECK(s.record(festival)->state == JobState::dispatched);

    // Handed back, and its member erased meanwhile: not sent (her consent
    // went with her hash), as for any job hash.
    REQUIRE(s.jobs.hand_back("toyland", f.id, at("2027-09-15T11:00:00+08:00")));
    s.redis.command({"DEL", keys::member(only_shard("toyland"), "M1")});
    claim = s.claim("2027-09-15T11:00:00+08:00");
    CHECK(claim.jobs.empty());
    CHECK(claim.cancelled == 1);
    CHECK(s.jobs.get("toyland", f.id)->error == "no_consent");
}

TEST_CASE("a record's calls, unsure attempt and reservation go into its hash", "[sheets]") {
    // Records that carry them (a migrated job hash, core/job_record.h's
    // a<calls>, u<unsure>, R) keep what they say.
    Sheets s;
    const int today = day_number(*parse_date("2027-09-15"));
    s.member("M1",
             {"phone", "+8613800000001", "sms_optin", "1", "ch", std::to_string(today) + "b"});
    s.member("M2", {"phone", "+8613800000002", "sms_optin", "1"});
    const auto a = s.job(Kind::birthday, "M1", "2027-09-15T10:00:00+08:00");
    const auto b = s.job(Kind::birthday, "M2", "2027-09-15T10:00:00+08:00");
    s.plan({a, b});
    const std::string sheet = keys::sheet(only_shard("toyland"), "2027-09-15", 0);
    auto carried = *s.record(a);
    carried.calls = 2;
    carried.unsure = 10h - 60s;
    carried.reserved = true;
    auto spent = *s.record(b);
    spent.calls = s.config.scheduler.max_attempts;
    s.redis.command({"HSET", sheet, "bM1", encode_record(carried), "bM2", encode_record(spent)});

    const auto claim = s.claim("2027-09-15T10:00:00+08:00");
    REQUIRE(claim.jobs.size() == 1);
    CHECK(claim.failed == 1);
    const auto hash = hash_of(s.redis, keys::job(only_shard("toyland"), a.id));
    CHECK(hash.at("calls") == "2");
    CHECK(hash.at("unsure_at") == std::to_string(unix(at("2027-09-15T09:59:00+08:00"))));
    CHECK(hash.at("reserved") == "1");
    // Reserved: the history already counts it (a cap of 2 a day is not hit twice).
    CHECK(hash_of(s.redis, keys::member(only_shard("toyland"), "M1")).at("ch") ==
          std::to_string(today) + "b");
    // Out of attempts: failed, in the record.
    const auto r = s.record(b);
    CHECK(r->state == JobState::failed);
    CHECK(r->reason == "attempts");
    CHECK_FALSE(s.has_hash(b));
    // The worker is asked to verify the unsure attempt first.
    SysSeconds since{};
    CHECK(s.jobs.begin_send("toyland", a.id, 1, "w1", at("2027-09-15T10:00:00+08:00"), nullptr,
                            &since) == BeginSend::verify);
    CHECK(since == at("2027-09-15T09:59:00+08:00"));
}

namespace {

// Redis commands run since the last CONFIG RESETSTAT, scripts' own
// commands included (INFO commandstats counts what a script calls).
std::map<std::string, long long> command_calls(RedisConnection& redis) {
    const auto info = redis.command({"INFO", "commandstats"}).str;
    std::map<std::string, long long> calls;
    std::size_t pos = 0;
    while ((pos = info.find("cmdstat_", pos)) != std::string::npos) {
        const auto colon = info.find(':', pos);
        const auto n = info.find("calls=", colon) + 6;
        calls[info.substr(pos + 8, colon - pos - 8)] = std::stoll(info.substr(n));
        // The scripts' time in Redis, inner commands included (µs).
        if (info.compare(pos + 8, colon - pos - 8, "evalsha") == 0)
            calls["(evalsha µs)"] = std::stoll(info.substr(info.find("usec=", colon) + 5));
        pos = colon;
    }
    return calls;
}

}  // namespace

// Not a check (hidden: run by name): what a claim of 10,000 jobs costs in
// Redis commands, from records and from job hashes, on this machine.
TEST_CASE("claim commands a job, records and hashes", "[.claim_commands]") {
    for (const bool records : {true, false}) {
        Sheets s;
        std::vector<Job> planned;
        for (int i = 0; i < 10'000; ++i) {
            const std::string id = "M" + std::to_string(i);
            s.member(id, {"name", "会员", "phone", "+86138" + std::to_string(10'000'000 + i),
                          "sms_optin", "1"});
            planned.push_back(
                s.job(Kind::festival, id, "2027-09-15T10:00:00+08:00", Channel::sms, "mid_autumn"));
        }
        if (records)
            REQUIRE(s.plan(planned, planned.size()) == planned.size());
        else
            REQUIRE(s.jobs.create(planned) == planned.size());
        s.redis.command({"CONFIG", "RESETSTAT"});
        std::size_t claimed = 0;
        int claims = 0;
        for (;;) {
            const auto claim = s.claim("2027-09-15T10:00:00+08:00", 200);
            ++claims;
            if (claim.jobs.empty()) break;
            claimed += claim.jobs.size();
        }
        REQUIRE(claimed == planned.size());
        long long total = 0;
        std::string each;
        for (const auto& [name, n] : command_calls(s.redis)) {
            if (name.starts_with("config") || name == "info") continue;
            if (!name.starts_with("(")) total += n;
            each += " " + name + "=" + std::to_string(n);
        }
        WARN((records ? "records" : "hashes")
             << ": " << claimed << " jobs in " << claims << " claims, " << total << " commands ("
             << static_cast<double>(total) / static_cast<double>(claimed) << " a job):" << each);
    }
}
