// Everything that finds, cancels or reads a *planned* job on a store whose
// jobs are records of day sheets (layout 2: no hash before the claim), on a
// real Redis, the records planned by SheetStore::plan: a job found by its id
// (SheetStore::find, JobStore::get), held by a person
// (JobStore::cancel_planned), cancelled by an opt-out at once
// (ConsentStore::record: by the member, a phone through p4:, an openid
// through o2:, and a claimed job handed back to planned), approved
// (DayApprovals::approve) and listed for approval (preview_day), and erased
// with its member (MemberEraser).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/delivery_policy.h"
#include "core/visit_cycle.h"
#include "core/winback.h"
#include "io/consent_store.h"
#include "io/day_approvals.h"
#include "io/job_listing.h"
#include "io/job_store.h"
#include "io/member_eraser.h"
#include "io/member_finder.h"
#include "io/member_store.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "scheduler/day_approval_view.h"
#include "scheduler/day_planner.h"
#include "scheduler/day_preview.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

const Date kDay = *parse_date("2027-09-15");
const SysSeconds kStart = at("2027-09-15T00:00:00+08:00");

// A festival greeting of `member` due on kDay at `due`.
Job festival_job(const std::string& member, SysSeconds due, Channel channel = Channel::sms) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::festival;
    j.member_id = member;
    j.occasion_date = kDay;
    j.id = make_job_id(j.kind, member, j.occasion_date, "mid_autumn");
    j.channel = channel;
    j.text = "王女士，中秋节快乐！";
    j.due_at = due;
    j.expires_at = at("2027-09-16T00:00:00+08:00");
    return j;
}

// A layout-2 store with `jobs` planned on kDay; returns the sheet counts.
DaySheets plan(RedisConnection& redis, const std::vector<Job>& jobs, std::size_t expected = 10) {
    SheetStore sheets(redis);
    sheets.set_layout("toyland", sheet_layout);
    const DaySheets n = sheets.sheets_for_day("toyland", kDay, expected);
    REQUIRE(sheets.plan("toyland", kDay, kStart, n, jobs) == jobs.size());
    return n;
}

const date::time_zone* shanghai() {
    return find_zone("Asia/Shanghai");
}

std::string hget(RedisConnection& redis, const std::string& key, const std::string& field) {
    return redis.command({"HGET", key, field}).str;
}

// The store's webhook events, as (type, data) pairs.
std::vector<std::pair<std::string, std::string>> events(RedisConnection& redis) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e :
         redis.command({"XRANGE", keys::webhook_events(only_shard("toyland")), "-", "+"})
             .elements) {
        const auto f = field_map(e.elements.at(1));
        out.emplace_back(f.at("t"), f.at("d"));
    }
    return out;
}

}  // namespace

TEST_CASE("a planned record is found by its job id", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    auto mine = festival_job("M1", at("2027-09-15T10:30:00+08:00"), Channel::wechat);
    mine.params["merged"] = "birthday:M1:2027-09-15";
    auto card = festival_job("M2", at("2027-09-15T11:00:00+08:00"));
    card.kind = Kind::card_expiry;
    card.marketing = false;
    card.occasion_date = *parse_date("2027-09-22");  // a week ahead: a lead day
    card.id = make_job_id(card.kind, "M2", card.occasion_date, "7");
    auto held = festival_job("M3", at("2027-09-15T10:00:00+08:00"));
    held.state = JobState::held;
    plan(redis, {mine, card, held});
    SheetStore sheets(redis);

    const auto found = sheets.find("toyland", mine.id, shanghai());
    REQUIRE(found);
    CHECK(found->store == "toyland");
    CHECK(found->id == mine.id);
    CHECK(found->kind == Kind::festival);
    CHECK(found->member_id == "M1");
    CHECK(found->occasion_date == kDay);
    CHECK(found->channel == Channel::wechat);
    CHECK(found->marketing);
    CHECK(found->state == JobState::planned);
    CHECK(found->due_at == mine.due_at);
    CHECK(found->expires_at == at("2027-09-16T00:00:00+08:00"));
    CHECK(found->params.at("merged") == "birthday:M1:2027-09-15");
    CHECK(found->text.empty());
    CHECK(found->to.empty());

    // The occasion date a week after the due day leads to the due day.
    const auto notice = sheets.find("toyland", card.id, shanghai());
    REQUIRE(notice);
    CHECK(notice->occasion_date == *parse_date("2027-09-22"));
    CHECK_FALSE(notice->marketing);
    CHECK(notice->due_at == card.due_at);
    CHECK(sheets.find("toyland", held.id, shanghai())->state == JobState::held);

    CHECK_FALSE(sheets.find("toyland", "festival:M9:2027-09-15:mid_autumn", shanghai()));
    CHECK_FALSE(sheets.find("toyland", "birthday:M1:2027-09-16", shanghai()));
    CHECK_FALSE(sheets.find("toyland", "not a job id", shanghai()));
    CHECK_FALSE(sheets.find("babycare", mine.id, shanghai()));

    SECTION("JobStore::get falls back to the record when there is no hash") {
        const SchedulerConfig config;
        JobStore jobs(redis, config);
        const auto got = jobs.get("toyland", mine.id, shanghai());
        REQUIRE(got);
        CHECK(*got == *found);
        // Without the store's zone the record's times cannot be read: hashes only.
        CHECK_FALSE(jobs.get("toyland", mine.id));
    }

    SECTION("a record claimed (d) is its hash's: get answers the hash") {
        const int n =
            std::stoi(hget(redis, keys::sheets(only_shard("toyland"), "2027-09-15"), "n"));
        const auto sheet = keys::sheet(only_shard("toyland"), "2027-09-15", sheet_of("M1", n));
        auto value = hget(redis, sheet, "fM1:mid_autumn");
        value[0] = 'd';
        redis.command({"HSET", sheet, "fM1:mid_autumn", value});
        const SchedulerConfig config;
        JobStore jobs(redis, config);
        // Its hash gone (retention): no job.
        CHECK_FALSE(jobs.get("toyland", mine.id, shanghai()));
        Job claimed = mine;
        claimed.state = JobState::dispatched;
        claimed.to = "oTOY_wang";
        claimed.text.clear();
        claimed.attempts = 1;
        std::vector<std::string> hset{"HSET", keys::job(only_shard("toyland"), mine.id)};
        for (const auto& [f, v] : to_fields(claimed)) {
            hset.push_back(f);
            hset.push_back(v);
        }
        redis.command(hset);
        const auto got = jobs.get("toyland", mine.id, shanghai());
        REQUIRE(got);
        CHECK(got->state == JobState::dispatched);
        CHECK(got->to == "oTOY_wang");
    }
}

TEST_CASE("a person holds a planned record: cancel_planned", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    redis.command({"SET", keys::webhooks_on(only_shard("toyland")), "1"});
    const auto a = festival_job("M1", at("2027-09-15T10:00:00+08:00"));
    const auto b = festival_job("M2", at("2027-09-15T10:05:00+08:00"));
    auto held = festival_job("M3", at("2027-09-15T10:10:00+08:00"));
    held.state = JobState::held;
    // One sheet: the day expected few jobs.
    const DaySheets n = plan(redis, {a, b, held}, 1);
    REQUIRE(n.counts == std::vector<int>{1});
    const SchedulerConfig config;
    JobStore jobs(redis, config);
    const SysSeconds now = at("2027-09-15T09:00:00+08:00");
    const auto sheet = keys::sheet(only_shard("toyland"), "2027-09-15", 0);
    const SysSeconds kept_until = at("2027-11-01T00:00:00+08:00");
    SheetStore(redis).expire_day("toyland", *parse_date("2027-09-15"), n, kept_until);

    const auto before =
        jobs.cancel_planned("toyland", {a.id, held.id, "festival:M9:2027-09-15:mid_autumn"},
                            "held by staff wang", "held", now);
    REQUIRE(before.size() == 3);
    CHECK(before[0] == JobState::planned);
    CHECK(before[1] == JobState::held);  // a holdout record is left as it is
    CHECK_FALSE(before[2]);              // no such job

    const auto record = decode_record(hget(redis, sheet, "fM1:mid_autumn"));
    REQUIRE(record);
    CHECK(record->state == JobState::cancelled);
    CHECK(record->reason == "held_by_staff");
    // The person's name is in the day's notes, and the reader answers it.
    CHECK(record->error_elsewhere);
    CHECK(hget(redis, keys::sheet_notes(only_shard("toyland"), "2027-09-15"), "fM1:mid_autumn") ==
          "held by staff wang");
    CHECK(jobs.get("toyland", a.id, shanghai())->error == "held by staff wang");
    // The notes are kept as long as the day's sheets.
    CHECK(redis.command({"EXPIRETIME", keys::sheet_notes(only_shard("toyland"), "2027-09-15")})
              .integer == kept_until.time_since_epoch().count());
    CHECK(hget(redis, keys::counts(only_shard("toyland")), "planned") == "1");
    CHECK(hget(redis, keys::counts(only_shard("toyland")), "cancelled") == "1");
    CHECK(hget(redis, keys::sheets(only_shard("toyland"), "2027-09-15"), "planned") == "1");
    CHECK(hget(redis, keys::sheets(only_shard("toyland"), "2027-09-15"), "cancelled") == "1");
    // The sheet still has a planned record: it stays due.
    CHECK(redis.command({"ZSCORE", keys::sheet_due(only_shard("toyland")), "2027-09-15:0"}).type ==
          RedisReply::Type::string);
    const auto ev = events(redis);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].first == "message.skipped");
    const auto data = nlohmann::json::parse(ev[0].second);
    CHECK(data["job_id"] == a.id);
    CHECK(data["kind"] == "festival");
    CHECK(data["channel"] == "sms");
    CHECK(data["reason"] == "held");
    CHECK(data["detail"] == "held by staff wang");

    // Again: it was cancelled, nothing moves.
    CHECK(jobs.cancel_planned("toyland", {a.id}, "held by staff li", "held", now)[0] ==
          JobState::cancelled);
    CHECK(hget(redis, keys::counts(only_shard("toyland")), "cancelled") == "1");

    // The last planned record of the sheet: the sheet leaves the due set.
    CHECK(jobs.cancel_planned("toyland", {b.id}, "opted_out", "opted_out", now)[0] ==
          JobState::planned);
    CHECK(decode_record(hget(redis, sheet, "fM2:mid_autumn"))->reason == "opted_out");
    CHECK(redis.command({"ZCARD", keys::sheet_due(only_shard("toyland"))}).integer == 0);
    CHECK(hget(redis, keys::counts(only_shard("toyland")), "planned") == "0");
}

namespace {

const char* kStore = "[stores.toyland]\nname = \"童乐玩具\"\n";

void add_member(RedisConnection& redis, const std::string& id, const std::string& phone,
                const std::string& openid = {}) {
    MemberRecord r{
        "toyland", id, {{"name", "会员" + id}, {"phone", phone}, {"sms_optin", "1"}}, {}};
    if (!openid.empty()) {
        r.set["openid"] = openid;
        r.set["wechat_optin"] = "1";
    }
    MemberStore(redis).upsert({r});
}

ConsentEvent opt_out(Channel c, const std::string& member, const std::string& address,
                     SysSeconds when) {
    ConsentEvent e;
    e.at = when;
    e.store = "toyland";
    e.channel = c;
    e.source = member.empty() ? ConsentSource::sms_reply : ConsentSource::counter;
    e.member = member;
    e.address = address;
    e.detail = "退订";
    return e;
}

JobState state_of(RedisConnection& redis, const Job& j) {
    const auto found = SheetStore(redis).find("toyland", j.id, shanghai());
    REQUIRE(found);
    return found->state;
}

}  // namespace

TEST_CASE("an opt-out cancels today's planned records to the address at once", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kStore, "t.toml");
    ConsentStore consent(redis, config);
    // M1 and M2 share a phone (a mother and her daughter's card); M3's ends
    // in the same four digits; M4 is elsewhere.
    add_member(redis, "M1", "+8613800138001", "oTOY_M1");
    add_member(redis, "M2", "+8613800138001");
    add_member(redis, "M3", "+8613900138001");
    add_member(redis, "M4", "+8613700137004");
    const auto due = at("2027-09-15T10:00:00+08:00");
    const auto m1 = festival_job("M1", due);
    const auto m2 = festival_job("M2", due);
    const auto m3 = festival_job("M3", due);
    const auto m4 = festival_job("M4", due);
    auto m1_wechat = festival_job("M1", due, Channel::wechat);
    m1_wechat.kind = Kind::birthday;
    m1_wechat.id = make_job_id(Kind::birthday, "M1", kDay);
    plan(redis, {m1, m2, m3, m4, m1_wechat});
    const SysSeconds now = at("2027-09-15T09:00:00+08:00");

    SECTION("an address alone: every member whose phone it is now") {
        const auto out = consent.record(opt_out(Channel::sms, "", "+8613800138001", now));
        CHECK(out.newly_opted_out);
        CHECK(out.cancelled == 2);
        CHECK(state_of(redis, m1) == JobState::cancelled);
        CHECK(state_of(redis, m2) == JobState::cancelled);
        CHECK(SheetStore(redis).find("toyland", m2.id, shanghai())->error == "opted_out");
        CHECK(state_of(redis, m3) == JobState::planned);  // the same last four digits only
        CHECK(state_of(redis, m4) == JobState::planned);
        CHECK(state_of(redis, m1_wechat) == JobState::planned);  // another channel
        CHECK(hget(redis, keys::counts(only_shard("toyland")), "cancelled") == "2");
        CHECK(hget(redis, keys::counts(only_shard("toyland")), "planned") == "3");
        // Again: nothing left to cancel.
        CHECK(consent.record(opt_out(Channel::sms, "", "+8613800138001", now)).cancelled == 0);
    }
    SECTION("a member named: her records on the channel") {
        CHECK(consent.record(opt_out(Channel::wechat, "M1", "", now)).cancelled == 1);
        CHECK(state_of(redis, m1_wechat) == JobState::cancelled);
        CHECK(state_of(redis, m1) == JobState::planned);
        CHECK(consent.record(opt_out(Channel::sms, "M4", "+8613700137004", now)).cancelled == 1);
        CHECK(state_of(redis, m4) == JobState::cancelled);
    }
    SECTION("an openid alone: its member, through the index of its end (o2:)") {
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOY_M1", now)).cancelled == 1);
        CHECK(state_of(redis, m1_wechat) == JobState::cancelled);
        CHECK(state_of(redis, m1) == JobState::planned);  // her SMS
        CHECK(consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
    }
    SECTION("an opt-in cancels nothing") {
        auto in = opt_out(Channel::sms, "M4", "", now);
        in.opt_in = true;
        CHECK(consent.record(in).cancelled == 0);
        CHECK(state_of(redis, m4) == JobState::planned);
    }
    SECTION("yesterday's sheets are not today's") {
        const auto out = consent.record(
            opt_out(Channel::sms, "", "+8613800138001", at("2027-09-16T09:00:00+08:00")));
        CHECK(out.cancelled == 0);
        CHECK(state_of(redis, m1) == JobState::planned);
    }
}

namespace {

bool indexed(RedisConnection& redis, const std::string& index, const std::string& member) {
    return redis.command({"HEXISTS", keys::index(only_shard("toyland"), index), member}).integer ==
           1;
}

// A birthday greeting of `member` on kDay: another job than her festival one.
Job birthday_job(const std::string& member, SysSeconds due, Channel channel) {
    auto j = festival_job(member, due, channel);
    j.kind = Kind::birthday;
    j.id = make_job_id(Kind::birthday, member, kDay);
    return j;
}

void write_openid(RedisConnection& redis, const std::string& id, const std::string& openid) {
    MemberStore(redis).upsert({MemberRecord{"toyland", id, {{"openid", openid}}, {}}});
}

}  // namespace

TEST_CASE("an opt-out naming only an openid finds its members through o2:, kept by every write",
          "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kStore, "t.toml");
    ConsentStore consent(redis, config);
    // M1 and M5 have openids ending in the same four characters; M1 has an
    // SMS greeting too.
    add_member(redis, "M1", "+8613800138001", "oTOYmember1_x9z");
    add_member(redis, "M5", "+8613800138005", "oTOYmember5_x9z");
    const auto due = at("2027-09-15T10:00:00+08:00");
    const auto m1_sms = festival_job("M1", due);
    const auto m1_wechat = birthday_job("M1", due, Channel::wechat);
    const auto m5_wechat = festival_job("M5", due, Channel::wechat);
    plan(redis, {m1_sms, m1_wechat, m5_wechat});
    const SysSeconds now = at("2027-09-15T09:00:00+08:00");
    REQUIRE(indexed(redis, "o2:9z", "M1"));
    REQUIRE(indexed(redis, "o2:9z", "M5"));

    SECTION("her WeChat record only: not her SMS, not another's of the same ending") {
        const auto out = consent.record(opt_out(Channel::wechat, "", "oTOYmember1_x9z", now));
        CHECK(out.newly_opted_out);
        CHECK(out.cancelled == 1);
        CHECK(state_of(redis, m1_wechat) == JobState::cancelled);
        CHECK(SheetStore(redis).find("toyland", m1_wechat.id, shanghai())->error == "opted_out");
        CHECK(state_of(redis, m1_sms) == JobState::planned);
        CHECK(state_of(redis, m5_wechat) == JobState::planned);
        CHECK(hget(redis, keys::counts(only_shard("toyland")), "cancelled") == "1");
    }
    SECTION("a changed openid moves her in the index; the old one finds nobody") {
        write_openid(redis, "M1", "oTOYmember1_new");
        CHECK_FALSE(indexed(redis, "o2:9z", "M1"));
        CHECK(indexed(redis, "o2:ew", "M1"));
        CHECK(indexed(redis, "o2:9z", "M5"));
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOYmember1_x9z", now)).cancelled == 0);
        CHECK(state_of(redis, m1_wechat) == JobState::planned);
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOYmember1_new", now)).cancelled == 1);
        CHECK(state_of(redis, m1_wechat) == JobState::cancelled);
    }
    SECTION("an erased member leaves the index") {
        REQUIRE(MemberEraser(redis, config).erase("toyland", "M1", now));
        CHECK_FALSE(indexed(redis, "o2:9z", "M1"));
        CHECK(indexed(redis, "o2:9z", "M5"));
    }
    SECTION("`huitou members reindex` builds it for members written before it existed") {
        redis.command({"DEL", keys::index(only_shard("toyland"), "o2:9z")}).expect_ok("DEL");
        // Unindexed, an openid alone finds nobody at once (the claim would stop it).
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOYmember5_x9z", now)).cancelled == 0);
        CHECK(MemberFinder(redis).reindex("toyland") == 2);
        CHECK(indexed(redis, "o2:9z", "M1"));
        CHECK(indexed(redis, "o2:9z", "M5"));
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOYmember1_x9z", now)).cancelled == 1);
        CHECK(state_of(redis, m1_wechat) == JobState::cancelled);
    }
}

TEST_CASE("a claimed job handed back to planned is cancelled by an opt-out at once", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    // Two messages a day, so the claim takes her SMS and WeChat greetings both.
    const Config config =
        parse_config(std::string(kStore) + "[stores.toyland.policy]\nmax_per_day = 2\n", "t.toml");
    ConsentStore consent(redis, config);
    JobStore jobs(redis, config.scheduler);
    MemberStore(redis).upsert({MemberRecord{"toyland",
                                            "M1",
                                            {{"name", "会员M1"},
                                             {"phone", "+8613800138001"},
                                             {"sms_optin", "1"},
                                             {"openid", "oTOYmember1_x9z"},
                                             {"wechat_optin", "1"},
                                             {"wechat_sub", "1"}},
                                            {}}});
    const auto due = at("2027-09-15T10:00:00+08:00");
    const auto sms = festival_job("M1", due);
    const auto wechat = birthday_job("M1", due, Channel::wechat);
    plan(redis, {sms, wechat});
    // The claim makes each record `d` and writes its job hash; both pushes
    // find no worker: handed back, planned again, due at 10:05.
    const SysSeconds now = at("2027-09-15T10:00:00+08:00");
    const DispatchRules rules = dispatch_rules(*config.find_store("toyland"), now);
    REQUIRE(jobs.claim_due("toyland", now, 10, &rules).jobs.size() == 2);
    for (const auto& j : {sms, wechat}) {
        REQUIRE(jobs.hand_back("toyland", j.id, at("2027-09-15T10:05:00+08:00")));
        REQUIRE(jobs.get("toyland", j.id)->state == JobState::planned);
        REQUIRE(state_of(redis, j) == JobState::dispatched);  // the record: `d`, the hash's
    }
    const auto in_due = [&](const Job& j) {
        return redis.command({"ZSCORE", keys::due(only_shard("toyland")), j.id}).type ==
               RedisReply::Type::string;
    };
    REQUIRE(in_due(wechat));
    const SysSeconds later = at("2027-09-15T10:01:00+08:00");

    SECTION("an openid alone") {
        const auto out = consent.record(opt_out(Channel::wechat, "", "oTOYmember1_x9z", later));
        CHECK(out.cancelled == 1);
        const auto hash = jobs.get("toyland", wechat.id);
        CHECK(hash->state == JobState::cancelled);
        CHECK(hash->error == "opted_out");
        CHECK_FALSE(in_due(wechat));
        CHECK(jobs.get("toyland", sms.id)->state == JobState::planned);  // another channel
        CHECK(in_due(sms));
        // Nothing left of it to cancel the second time.
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOYmember1_x9z", later)).cancelled ==
              0);
    }
    SECTION("a phone alone") {
        CHECK(consent.record(opt_out(Channel::sms, "", "+8613800138001", later)).cancelled == 1);
        CHECK(jobs.get("toyland", sms.id)->state == JobState::cancelled);
        CHECK(jobs.get("toyland", wechat.id)->state == JobState::planned);
    }
    SECTION("the member named") {
        CHECK(consent.record(opt_out(Channel::wechat, "M1", "", later)).cancelled == 1);
        CHECK(jobs.get("toyland", wechat.id)->state == JobState::cancelled);
    }
    SECTION("a job in flight is left to begin_send: only a planned hash is cancelled here") {
        REQUIRE(
            jobs.claim_due("toyland", at("2027-09-15T10:05:00+08:00"), 10, &rules).jobs.size() ==
            2);
        CHECK(consent.record(opt_out(Channel::wechat, "", "oTOYmember1_x9z", later)).cancelled ==
              0);
        CHECK(jobs.get("toyland", wechat.id)->state == JobState::dispatched);
    }
}

TEST_CASE("approving a day approves and cancels records, and makes them due now", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(
        "[stores.toyland]\nname = \"童乐玩具\"\napprove_before_send = true\n", "t.toml");
    const auto a = festival_job("M1", at("2027-09-15T10:00:00+08:00"));
    const auto b = festival_job("M2", at("2027-09-15T10:05:00+08:00"));
    const auto c = festival_job("M3", at("2027-09-15T10:10:00+08:00"));
    REQUIRE(plan(redis, {a, b, c}, 1).counts == std::vector<int>{1});
    // The claim found the day unapproved: the sheet waits for the day's end.
    const auto day_end = std::to_string(at("2027-09-16T00:00:00+08:00").time_since_epoch().count());
    redis.command({"ZADD", keys::sheet_due(only_shard("toyland")), day_end, "2027-09-15:0"});
    const SysSeconds now = at("2027-09-15T09:30:00+08:00");

    const auto [approved, cancelled] =
        DayApprovals(redis, config).approve("toyland", kDay, "wang", {a.id}, {b.id}, now);
    CHECK(approved == 1);
    CHECK(cancelled == 1);
    const auto approval = DayApprovals(redis, config).get("toyland", kDay);
    REQUIRE(approval);
    CHECK(approval->jobs == std::set<std::string>{a.id});
    CHECK(state_of(redis, a) == JobState::planned);
    CHECK(state_of(redis, b) == JobState::cancelled);
    CHECK(SheetStore(redis).find("toyland", b.id, shanghai())->error == "not approved by wang");
    CHECK(state_of(redis, c) == JobState::planned);  // neither shown nor ticked: waits
    CHECK(redis.command({"ZSCORE", keys::sheet_due(only_shard("toyland")), "2027-09-15:0"}).str ==
          std::to_string(now.time_since_epoch().count()));
    CHECK(hget(redis, keys::counts(only_shard("toyland")), "cancelled") == "1");
    CHECK(hget(redis, keys::sheets(only_shard("toyland"), "2027-09-15"), "cancelled") == "1");

    // Approving again later leaves an earlier score as it is.
    DayApprovals(redis, config).approve("toyland", kDay, "li", {c.id}, {}, now + 1h);
    CHECK(redis.command({"ZSCORE", keys::sheet_due(only_shard("toyland")), "2027-09-15:0"}).str ==
          std::to_string(now.time_since_epoch().count()));
    CHECK(DayApprovals(redis, config).get("toyland", kDay)->jobs.contains(c.id));
}

TEST_CASE("the day's approval lists planned records, with their words", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(
        "[stores.toyland]\nname = \"童乐玩具\"\napprove_before_send = true\n", "t.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& store = *config.find_store("toyland");
    for (const auto* id : {"M1", "M2", "M3"}) {
        MemberRecord r{"toyland",
                       id,
                       {{"name", std::string("会员") + id},
                        {"gender", "F"},
                        {"birthday", "1990-09-15"},
                        {"phone", std::string("+861380013800") + id[1]},
                        {"sms_optin", "1"}},
                       {}};
        MemberStore(redis).upsert({r});
    }
    // The day planned as records, as the scheduler plans a layout-2 store.
    const SysSeconds now = at("2027-09-15T00:00:30+08:00");
    std::vector<Job> jobs;
    DayPlanner planner(redis, config, templates, 100);
    planner.occasions(store, kDay, now, [&](OccasionBatch& b) {
        for (auto& v : b.verdicts)
            if (v.verdict.job) jobs.push_back(*v.verdict.job);
    });
    REQUIRE(jobs.size() == 3);
    plan(redis, jobs);

    auto listed = planned_jobs(redis, config, templates, "toyland", kDay, now);
    std::sort(listed.begin(), listed.end());
    CHECK(listed == std::vector<std::string>{"birthday:M1:2027-09-15", "birthday:M2:2027-09-15",
                                             "birthday:M3:2027-09-15"});
    const auto preview = preview_day(redis, config, templates, kDay, "toyland", now).at(0);
    REQUIRE(preview.messages.size() == 3);
    for (const auto& m : preview.messages) {
        CHECK(m.state == "planned");
        CHECK_FALSE(m.text.empty());  // what planning would write now
    }

    // Approved through the view: one ticked, one shown and left, one not shown.
    const auto done = approve_day(redis, config, templates, "toyland", kDay, "wang",
                                  {"birthday:M1:2027-09-15", "birthday:M2:2027-09-15"},
                                  {"birthday:M1:2027-09-15"}, now);
    CHECK(done.approved == 1);
    CHECK(done.cancelled == 1);
    const auto after = preview_day(redis, config, templates, kDay, "toyland", now).at(0);
    CHECK(after.messages.size() == 2);
    REQUIRE(after.skipped.size() == 1);
    CHECK(after.skipped[0].member_id == "M2");
    CHECK(after.skipped[0].reason == "not_approved");
    CHECK(planned_jobs(redis, config, templates, "toyland", kDay, now).size() == 2);
}

TEST_CASE("erasing a member deletes her records of the days kept", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kStore, "t.toml");
    add_member(redis, "M1", "+8613800138001");
    add_member(redis, "M10", "+8613800138010");  // "?M1*" matches her fields too
    // Today's festival, planned; a birthday of ten days ago, sent.
    const auto today = festival_job("M1", at("2027-09-15T10:00:00+08:00"));
    const auto other = festival_job("M10", at("2027-09-15T10:00:00+08:00"));
    plan(redis, {today, other}, 1);
    SheetStore sheets(redis);
    const Date earlier = *parse_date("2027-09-05");
    auto old = festival_job("M1", at("2027-09-05T10:00:00+08:00"));
    old.kind = Kind::birthday;
    old.occasion_date = earlier;
    old.id = make_job_id(Kind::birthday, "M1", earlier);
    const DaySheets n = sheets.sheets_for_day("toyland", earlier, 1);
    REQUIRE(sheets.plan("toyland", earlier, at("2027-09-05T00:00:00+08:00"), n, {old}) == 1);
    auto sent =
        encode_record(SheetStore::planned_record(old, earlier, at("2027-09-05T00:00:00+08:00")));
    sent[0] = 's';
    redis.command({"HSET", keys::sheet(only_shard("toyland"), "2027-09-05", 0), "bM1", sent});

    // Her records of each day: her one sheet a day, and only hers.
    const auto hers =
        sheets.member_records("toyland", {kDay, earlier, *parse_date("2027-09-10")}, "M1");
    REQUIRE(hers.size() == 2);
    CHECK(hers[0].job_id == today.id);
    CHECK(hers[1].job_id == old.id);
    CHECK(hers[1].record.state == JobState::sent);

    const auto erased =
        MemberEraser(redis, config).erase("toyland", "M1", at("2027-09-15T12:00:00+08:00"));
    REQUIRE(erased);
    CHECK(erased->jobs == 2);
    CHECK_FALSE(sheets.find("toyland", today.id, shanghai()));
    CHECK_FALSE(sheets.find("toyland", old.id, shanghai()));
    CHECK(state_of(redis, other) == JobState::planned);  // M10 stays
    // The planned one counts as cancelled; the sheet still has M10's.
    CHECK(hget(redis, keys::counts(only_shard("toyland")), "cancelled") == "1");
    CHECK(hget(redis, keys::sheets(only_shard("toyland"), "2027-09-15"), "planned") == "1");
    CHECK(redis.command({"ZCARD", keys::sheet_due(only_shard("toyland"))}).integer == 2);

    // M10 erased too: today's sheet has no planned record left, and leaves the due set.
    REQUIRE(MemberEraser(redis, config).erase("toyland", "M10", at("2027-09-15T12:00:00+08:00")));
    CHECK(redis.command({"ZSCORE", keys::sheet_due(only_shard("toyland")), "2027-09-15:0"}).type ==
          RedisReply::Type::nil);
}

TEST_CASE("huitou jobs lists a layout-2 store's records with its hashes", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const auto mine = festival_job("M1", at("2027-09-15T10:00:00+08:00"));
    const auto hers = festival_job("M2", at("2027-09-15T10:00:00+08:00"));
    // M10's fields begin like M1's: "?M1*" matches both.
    plan(redis, {mine, hers, festival_job("M10", at("2027-09-15T10:00:00+08:00"))}, 1);
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T14:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn"};
    auto r = run({bin("huitou"), "jobs", "--member", "M1", "--json"}, env);
    REQUIRE(r.status == 0);
    auto jobs = nlohmann::json::parse(r.out);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0]["id"] == mine.id);
    CHECK(jobs[0]["state"] == "planned");
    CHECK(jobs[0]["due_at"] == mine.due_at.time_since_epoch().count());

    r = run({bin("huitou"), "jobs", "--date", "2027-09-15", "--state", "planned"}, env);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains(mine.id) && Catch::Contains(hers.id) &&
                          Catch::Contains("(written at dispatch)"));
    CHECK(run({bin("huitou"), "jobs", "--state", "cancelled"}, env).status == 3);
}

namespace {

// Writes `job` as a job hash, as the claim (or layout 1) leaves one.
void write_hash(RedisConnection& redis, const Job& job) {
    std::vector<std::string> hset{"HSET", keys::job(only_shard(job.store), job.id)};
    for (const auto& [f, v] : to_fields(job)) {
        hset.push_back(f);
        hset.push_back(v);
    }
    redis.command(hset).expect_ok("HSET job");
}

// The listed ids with their states, "id=state", in the listing's order.
std::vector<std::string> listed(const std::vector<Job>& jobs) {
    std::vector<std::string> out;
    for (const auto& j : jobs)
        out.push_back(j.id + "=" + std::string(to_string(j.state)));
    return out;
}

}  // namespace

TEST_CASE("JobListing::find: a layout-2 store's records and hashes, each job once", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    StoreConfig toyland;
    toyland.id = "toyland";
    toyland.zone = shanghai();
    const std::chrono::seconds retention{35 * 86400};
    const SysSeconds now = at("2027-09-15T14:00:00+08:00");

    const auto planned = festival_job("M1", at("2027-09-15T10:00:00+08:00"));
    auto held = planned;
    held.kind = Kind::birthday;
    held.id = make_job_id(held.kind, "M1", kDay);
    held.state = JobState::held;
    auto cancelled = planned;  // a card notice a week ahead, held by staff
    cancelled.kind = Kind::card_expiry;
    cancelled.marketing = false;
    cancelled.occasion_date = *parse_date("2027-09-22");
    cancelled.id = make_job_id(cancelled.kind, "M1", cancelled.occasion_date, "7");
    auto claimed = planned;  // claimed (its record `d`), since sent
    claimed.kind = Kind::child_birthday;
    claimed.id = make_job_id(claimed.kind, "M1", kDay, "1fcb5976");
    const auto not_hers = festival_job("M10", at("2027-09-15T10:00:00+08:00"));
    plan(redis, {planned, held, cancelled, claimed, not_hers}, 1);

    const SchedulerConfig scheduler;
    JobStore(redis, scheduler).cancel_planned("toyland", {cancelled.id}, "staff 小李", "held", now);
    const auto sheet = keys::sheet(only_shard("toyland"), "2027-09-15", 0);
    const auto field = *record_field(claimed.id, kDay);
    auto value = hget(redis, sheet, field);
    value[0] = 'd';
    redis.command({"HSET", sheet, field, value});
    claimed.state = JobState::sent;
    claimed.to = "+8613800138001";
    claimed.text.clear();
    write_hash(redis, claimed);

    // Win-back reminders stay hashes: one of the episode after her last
    // visit (2027-08-01), one of an earlier episode (after 2027-06-10).
    const Date last = *parse_date("2027-08-01");
    const Date earlier = *parse_date("2027-06-10");
    nlohmann::json hist = nlohmann::json::array();
    const auto seconds = [](const Date& d) {
        return start_of_day(d, shanghai()).time_since_epoch().count();
    };
    hist.push_back({seconds(earlier), day_number(earlier), "v1"});
    hist.push_back({seconds(last), day_number(last), "v2"});
    redis.command({"HSET", keys::visit_state(only_shard("toyland"), "M1"), "last",
                   std::to_string(seconds(last)), "last_date", format_date(last), "state",
                   "reminded", "step", "1", "hist", hist.dump()});
    auto reminder = planned;
    reminder.kind = Kind::winback;
    reminder.occasion_date = last;
    reminder.id = winback_job_id("M1", last, 1);
    reminder.state = JobState::sent;
    write_hash(redis, reminder);
    auto follow_up = reminder;
    follow_up.occasion_date = earlier;
    follow_up.id = winback_job_id("M1", earlier, 2);
    follow_up.state = JobState::delivered;
    write_hash(redis, follow_up);
    // A hash from before the move to layout 2: no record names it.
    auto legacy = planned;
    legacy.kind = Kind::birthday;
    legacy.occasion_date = *parse_date("2027-08-20");
    legacy.id = make_job_id(legacy.kind, "M1", legacy.occasion_date);
    legacy.state = JobState::sent;
    write_hash(redis, legacy);

    JobListing listing(redis);
    auto find = [&](JobFilter filter) {
        return listed(listing.find(toyland, filter, kDay, retention));
    };
    // By id: birthday, card_expiry, child_birthday, festival, winback.
    const std::vector<std::string> hers{legacy.id + "=sent",         held.id + "=held",
                                        cancelled.id + "=cancelled", claimed.id + "=sent",
                                        planned.id + "=planned",     follow_up.id + "=delivered",
                                        reminder.id + "=sent"};

    SECTION("her jobs while layout-1 hashes may be left: records, hashes by SCAN") {
        CHECK(find({std::nullopt, "M1", ""}) == hers);
        // No day of the move recorded (a store moved before it was): SCAN.
        CHECK(redis.command({"EXISTS", "hu:{toyland}:jobs:v2day"}).integer == 0);
        CHECK(find({JobState::planned, "M1", ""}) ==
              std::vector<std::string>{planned.id + "=planned"});
        CHECK(find({JobState::cancelled, "M1", ""}) ==
              std::vector<std::string>{cancelled.id + "=cancelled"});
        CHECK(find({JobState::held, "", ""}) == std::vector<std::string>{held.id + "=held"});
        CHECK(find({std::nullopt, "", "2027-09-22"}) ==
              std::vector<std::string>{cancelled.id + "=cancelled"});
        CHECK(find({std::nullopt, "", "2027-09-15"}) ==
              std::vector<std::string>{held.id + "=held", claimed.id + "=sent",
                                       not_hers.id + "=planned", planned.id + "=planned"});
        auto all = find({});
        CHECK(all.size() == hers.size() + 1);
        CHECK(std::is_sorted(all.begin(), all.end()));
    }
    SECTION("moved a retention ago: her hashes by key, no keyspace SCAN") {
        mark_layout_day(redis, "toyland", *parse_date("2027-08-09"));
        auto expected = hers;
        // Only a SCAN finds a hash that no record and no visit names.
        expected.erase(std::find(expected.begin(), expected.end(), legacy.id + "=sent"));
        CHECK(find({std::nullopt, "M1", ""}) == expected);
        CHECK(find({JobState::sent, "M1", ""}) ==
              std::vector<std::string>{claimed.id + "=sent", reminder.id + "=sent"});
        CHECK(find({std::nullopt, "M1", "2027-08-01"}) ==
              std::vector<std::string>{reminder.id + "=sent"});
        // Not a member's listing: a SCAN, so the old hash is there.
        CHECK(find({JobState::sent, "", ""}).size() == 3);
    }
    SECTION("moved less than a retention and two days ago: a SCAN finds the old hashes") {
        mark_layout_day(redis, "toyland", *parse_date("2027-08-10"));
        mark_layout_day(redis, "toyland", *parse_date("2027-01-01"));  // the first day stays
        CHECK(layout_day(redis, "toyland") == *parse_date("2027-08-10"));
        CHECK(find({std::nullopt, "M1", ""}) == hers);
    }
    SECTION("a record claimed between the two reads is listed once, as its hash says") {
        auto now_claimed = planned;
        now_claimed.state = JobState::dispatched;
        write_hash(redis, now_claimed);
        auto jobs = find({std::nullopt, "M1", ""});
        CHECK(std::count(jobs.begin(), jobs.end(), planned.id + "=dispatched") == 1);
        CHECK(std::count(jobs.begin(), jobs.end(), planned.id + "=planned") == 0);
        CHECK(jobs.size() == hers.size());
    }
    SECTION("a layout-1 store: hashes only") {
        redis.command({"SET", keys::jobs_version("toyland"), "1"});
        CHECK(find({std::nullopt, "M1", ""}) ==
              std::vector<std::string>{legacy.id + "=sent", claimed.id + "=sent",
                                       follow_up.id + "=delivered", reminder.id + "=sent"});
    }
}

TEST_CASE("layout-1 hashes may be left a retention and two days after the move", "[sheets]") {
    const Date moved = *parse_date("2027-09-01");
    const std::chrono::seconds retention{35 * 86400};
    CHECK(may_hold_layout1_hashes(moved, moved, retention));
    CHECK(may_hold_layout1_hashes(moved, *parse_date("2027-10-07"), retention));        // +36
    CHECK_FALSE(may_hold_layout1_hashes(moved, *parse_date("2027-10-08"), retention));  // +37
    // A retention that is not whole days counts the part day in.
    CHECK(may_hold_layout1_hashes(moved, *parse_date("2027-10-08"),
                                  retention + std::chrono::hours(1)));
    const auto days = kept_days(*parse_date("2027-09-15"), retention);
    REQUIRE(days.size() == 36);
    CHECK(days.front() == *parse_date("2027-09-15"));
    CHECK(days.back() == *parse_date("2027-08-11"));
}
