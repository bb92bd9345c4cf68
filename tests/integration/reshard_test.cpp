// `huitou reshard` (io/reshard.h) against a real redis-server and the
// three-master cluster: a store with a season behind it — members imported
// with consent evidence, a year of visits, segments, care lists marked,
// greetings claimed and sent, a festival's day sheets half claimed, opt-outs
// by reply and at the counter, an approved day, a webhook endpoint — cut
// 1 → 3 → 2 → 1. Each reshard must end with equal fingerprints, every
// reader's answer unchanged (members, segments, care lists, counts, the
// ledger), the old layout gone, and the rest of the festival sent once each;
// back at one shard, the store's key names are a never-sharded store's. A
// run stopped after every step (HUITOU_RESHARD_STOP_AT's points) and run
// again by a new process ends the same; --abort leaves the store as it was;
// a visit that arrives during the copy is parked and applied after the
// switch; a webhook event not yet taken in holds the drain.
#include "io/reshard.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "core/config.h"
#include "core/delivery_policy.h"
#include "core/job_record.h"
#include "core/store_shards.h"
#include "io/care_store.h"
#include "io/consent_store.h"
#include "io/day_approvals.h"
#include "io/job_store.h"
#include "io/lua_script.h"
#include "io/member_store.h"
#include "io/parked_events.h"
#include "io/redis_cluster.h"
#include "io/redis_keys.h"
#include "io/segment_store.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"
#include "io/store_fingerprint.h"
#include "io/visit_store.h"
#include "io/webhook_store.h"
#include "tests/support/process.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_jobs.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

const std::string kStore = "toyland";
constexpr int kMembers = 60;

const char* kConfig = R"(
[scheduler]
lease_seconds = 2
[stores.toyland]
name = "童乐玩具"
channels = ["sms"]
festivals = []
card_expiry_days = []
[stores.toyland.care]
enabled = true
daily_limit = 100
)";

std::string member_id(int i) {
    char id[16];
    std::snprintf(id, sizeof id, "T%04d", i);
    return id;
}
std::string phone_of(int i) {
    return "+86138" + std::to_string(10000000 + i);
}

const Date kSegmentDay{date::year{2027} / 9 / 1};
const Date kFestival{date::year{2027} / 9 / 21};

Job greeting(int i) {
    Job j = birthday_job(member_id(i));
    j.store = kStore;
    j.to = phone_of(i);
    j.due_at = at("2027-09-15T10:00:00+08:00") + std::chrono::minutes(i);
    return j;
}

Job festival(int i) {
    Job j;
    j.store = kStore;
    j.kind = Kind::festival;
    j.member_id = member_id(i);
    j.occasion_date = kFestival;
    j.id = make_job_id(j.kind, j.member_id, j.occasion_date, "mid_autumn");
    j.channel = Channel::sms;
    j.to = phone_of(i);
    j.text = "中秋节快乐";
    j.due_at = at("2027-09-21T10:00:00+08:00") + std::chrono::seconds{i};
    j.expires_at = at("2027-09-22T00:00:00+08:00");
    return j;
}

// What the store's readers answer: compared before and after each reshard.
struct Answers {
    std::map<std::string, std::string> members;  // id → name, segment, sms opt-in
    std::array<long long, 8> segment_counts{};
    std::vector<std::string> care;  // the first listed day's rows, with marks
    std::map<std::string, long long> counts;
    bool refused_8 = false, refused_9 = false;
    bool operator==(const Answers&) const = default;
};

// Each reader's answer checked apart, so a failure says which.
void check_same(const Answers& a, const Answers& b) {
    CHECK(a.members == b.members);
    CHECK(a.segment_counts == b.segment_counts);
    CHECK(a.care == b.care);
    CHECK(a.counts == b.counts);
    CHECK(a.refused_8 == b.refused_8);
    CHECK(a.refused_9 == b.refused_9);
}

// The store a season into its life, at one shard.
struct Season {
    Date care_day{};
    std::string marked;  // the member whose care entry was marked
};

Season write_season(RedisConnection& redis, const Config& config) {
    redis.command({"SET", keys::jobs_version(kStore), "2"}).expect_ok("SET jobs:v");
    const auto& store = *config.find_store(kStore);
    MemberStore members(redis);
    VisitStore visits(redis, config);
    std::vector<MemberRecord> records;
    std::vector<Visit> history;
    for (int i = 0; i < kMembers; ++i) {
        const auto id = member_id(i);
        MemberRecord r{kStore, id, {}, {}};
        r.set = {{"name", "会员" + std::to_string(i)},
                 {"phone", phone_of(i)},
                 {"birthday", i % 3 == 0 ? "lunar:08-15" : "09-15"},
                 {"sms_optin", "1"}};
        if (i % 4 == 0) r.set["card_expires"] = "2027-10-0" + std::to_string(1 + i % 9);
        records.push_back(std::move(r));
        const int gap = 7 + (i * 13) % 90;
        for (int back = 360 - i; back > 0; back -= gap) {
            const Date when{date::sys_days{kSegmentDay} - date::days{back}};
            history.push_back(Visit{kStore, id, local_instant(when, 15h, store.zone), when,
                                    "v:" + id + ":" + std::to_string(back), 1000LL * (1 + i % 9)});
        }
    }
    const MemberStore::Evidence evidence{at("2027-08-01T09:00:00+08:00"), "members.csv",
                                         ConsentSource::import};
    members.upsert(records, &evidence);
    std::stable_sort(history.begin(), history.end(),
                     [](const Visit& a, const Visit& b) { return a.at < b.at; });
    for (std::size_t s = 0; s < history.size(); s += 200) {
        const std::vector<Visit> slice(
            history.begin() + static_cast<long>(s),
            history.begin() + static_cast<long>(std::min(history.size(), s + 200)));
        visits.record(slice, slice.back().at);
    }
    SegmentStore(redis, config).recompute(store, kSegmentDay, nullptr, true);

    Season season;
    CareStore care(redis, config);
    for (Date on = kSegmentDay; season.marked.empty() && on < kFestival;
         on = Date{date::sys_days{on} + date::days{1}}) {
        care.build(store, on, local_instant(on, 1h, store.zone));
        const auto list = care.day(store, on);
        if (list && !list->rows.empty()) {
            season.care_day = on;
            season.marked = list->rows.front().entry.member;
            REQUIRE(care.mark(store, on, season.marked, CareState::done, "聊了十分钟", "小王",
                              local_instant(on, 12h, store.zone)) == CareMarkResult::ok);
        }
    }
    REQUIRE(!season.marked.empty());

    // Greetings as job hashes: claimed, some sent.
    JobStore jobs(redis, config.scheduler);
    std::vector<Job> greetings;
    for (int i = 0; i < 12; ++i)
        greetings.push_back(greeting(i));
    REQUIRE(jobs.create(greetings) == greetings.size());
    REQUIRE(jobs.claim_due(kStore, at("2027-09-15T10:05:00+08:00"), 100).jobs.size() == 6);
    for (int i = 0; i < 3; ++i)
        REQUIRE(jobs.record(result(greetings[static_cast<std::size_t>(i)], Outcome::sent,
                                   at("2027-09-15T10:06:00+08:00"))) == JobState::sent);
    for (int i = 3; i < 6; ++i)  // nothing in flight: the drain would wait for these
        jobs.record(result(greetings[static_cast<std::size_t>(i)], Outcome::failed,
                           at("2027-09-15T10:06:00+08:00")));

    // The festival's day sheets: 40 records, one held out, 10 claimed (job
    // hashes that name their sheet) and sent.
    SheetStore sheets(redis);
    std::vector<Job> festival_jobs;
    for (int i = 10; i < 50; ++i)
        festival_jobs.push_back(festival(i));
    festival_jobs[3].state = JobState::held;
    festival_jobs[3].holdout_record = "2027 h";
    const auto n = sheets.sheets_for_day(kStore, kFestival, festival_jobs.size());
    REQUIRE(sheets.plan(kStore, kFestival, at("2027-09-21T00:00:00+08:00"), n, festival_jobs) ==
            40);
    const auto noon = at("2027-09-21T10:00:20+08:00");
    const auto rules = dispatch_rules(store, noon);  // records are claimed with the rules
    const auto first = jobs.claim_due(kStore, noon, 100, &rules);
    REQUIRE(first.jobs.size() == 10);
    for (const auto& j : first.jobs)
        REQUIRE(jobs.record(result(j, Outcome::sent, at("2027-09-21T10:01:00+08:00"))) ==
                JobState::sent);

    // Consent: a reply "TD" from member 8's phone (an address), and an
    // opt-out at the counter for member 9 under an API event id.
    ConsentStore consent(redis, config);
    ConsentEvent reply;
    reply.at = at("2027-09-15T09:30:00+08:00");
    reply.store = kStore;
    reply.channel = Channel::sms;
    reply.source = ConsentSource::sms_reply;
    reply.address = phone_of(8);
    reply.detail = "TD";
    REQUIRE(consent.record(reply).newly_opted_out);
    ConsentEvent counter = reply;
    counter.at = at("2027-09-15T09:40:00+08:00");
    counter.source = ConsentSource::counter;
    counter.member = member_id(9);
    counter.address = phone_of(9);
    counter.detail = "不想收短信";
    const OnceKey once{keys::event(shard_of_member(redis, kStore, member_id(9)), "ev-9"),
                       "{\"member_id\":\"T0009\",\"result\":{\"recorded\":true}}", 30 * 86400};
    REQUIRE(consent.record(counter, &once).newly_opted_out);

    DayApprovals(redis, config)
        .approve(kStore, kFestival, "店长", {}, {}, at("2027-09-20T18:00:00+08:00"));
    // An endpoint that has taken in everything so far.
    WebhookStore(redis).add("https://example.com/hook", false, {kStore}, {"message.sent"}, {kStore},
                            at("2027-09-21T11:00:00+08:00"));
    return season;
}

Answers answers(RedisConnection& redis, const Config& config, const Season& season) {
    forget_shards(redis, kStore);
    Answers a;
    MemberStore members(redis);
    for (int i = 0; i < kMembers; ++i) {
        const auto m = members.get(kStore, member_id(i));
        REQUIRE(m);
        a.members[m->id] = m->name + "|" + m->segment + "|" + (m->sms_optin ? "1" : "0");
    }
    const auto run = SegmentStore(redis, config).run(kStore);
    std::copy(run.counts.begin(), run.counts.end(), a.segment_counts.begin());
    const auto list = CareStore(redis, config).day(*config.find_store(kStore), season.care_day);
    REQUIRE(list);
    for (const auto& row : list->rows)
        a.care.push_back(row.entry.member + " " + std::string(to_string(row.entry.state)));
    a.counts = JobStore(redis, config.scheduler).counts(kStore);
    ConsentStore consent(redis, config);
    a.refused_8 = consent.is_opted_out(kStore, Channel::sms, phone_of(8));
    a.refused_9 = consent.is_opted_out(kStore, Channel::sms, phone_of(9));
    return a;
}

// Every item of layout `k` in the shard its member or job belongs to: the
// fingerprint names items without their tag, so it cannot see an item in
// the wrong shard; this can.
void check_placement(RedisConnection& redis, int k) {
    std::size_t checked = 0;
    for (const auto& shard : all_shards(kStore, k)) {
        const auto prefix = keys::shard_prefix(shard);
        const auto mine = [&](std::string_view member) {
            return member_shard(member, k) == shard.index;
        };
        const auto my_job = [&](std::string_view item) {
            return job_shard(item.substr(0, item.find('|')), k) == shard.index;
        };
        for (const auto& key : keys_matching(redis, prefix + "*")) {
            const auto rest = key.substr(prefix.size());
            INFO(key);
            if (rest.starts_with("m:") || rest.starts_with("v:")) {
                CHECK(mine(rest.substr(2)));
            } else if (rest.starts_with("job:")) {
                CHECK(my_job(rest.substr(4)));
            } else if (rest.starts_with("event:")) {
                const auto value = nlohmann::json::parse(redis.command({"GET", key}).str);
                CHECK(mine(value.at("member_id").get<std::string>()));
            } else if (rest.starts_with("bd:") || rest.starts_with("lbd:") ||
                       rest.starts_with("exp:") || rest.starts_with("nm:") ||
                       rest.starts_with("p4:") || rest.starts_with("seg:") ||
                       rest.starts_with("holdout:") || (k > 1 && rest.starts_with("care:"))) {
                for (const auto& field : redis.command({"HKEYS", key}).elements)
                    if (!field.str.starts_with("~")) CHECK(mine(field.str));
            } else if (rest.starts_with("wb:") && rest != "wb:counts") {
                for (const auto& m : redis.command({"ZRANGE", key, "0", "-1"}).elements)
                    CHECK(mine(m.str));
            } else if (rest == "due" || rest == "fx:touch") {
                for (const auto& m : redis.command({"ZRANGE", key, "0", "-1"}).elements)
                    CHECK(my_job(m.str));
            } else if (rest.starts_with("sheet:")) {
                for (const auto& field : redis.command({"HKEYS", key}).elements)
                    CHECK(mine(record_member(field.str)));
            } else {
                continue;
            }
            ++checked;
        }
    }
    CHECK(checked > 200);
}

// A run of the command, as a new process would: a fresh Reshard, a clock
// that a wait moves on.
struct Run {
    ReshardDecision decision;
    std::vector<std::string> said;
};
Run reshard(RedisConnection& redis, const Config& config, int to, SysSeconds& now,
            const std::string& stop_at = "", bool abort = false) {
    ReshardOptions options;
    options.lease = 2s;
    options.batch = 7;  // small: every pass takes several batches
    options.stop_at = stop_at;
    Reshard r(redis, config, kStore, to, options);
    Run out;
    out.decision = r.run([&] { return now; }, [&](std::chrono::seconds s) { now += s; }, abort,
                         [&](const std::string& line) { out.said.push_back(line); });
    // The next run may come at once: the lock is released.
    return out;
}

std::string said(const Run& r) {
    std::string out;
    for (const auto& s : r.said)
        out += s + "\n";
    return out;
}

// The festival's remaining records claimed after the reshard: each job once.
std::set<std::string> claim_rest(RedisConnection& redis, const Config& config) {
    forget_shards(redis, kStore);
    JobStore jobs(redis, config.scheduler);
    std::set<std::string> ids;
    const auto now = at("2027-09-21T10:30:00+08:00");
    const auto rules = dispatch_rules(*config.find_store(kStore), now);
    for (int round = 0; round < 10; ++round) {
        const auto claim = jobs.claim_due(kStore, now, 100, &rules);
        for (const auto& j : claim.jobs) {
            CHECK(ids.insert(j.id).second);
            REQUIRE(jobs.record(result(j, Outcome::sent, at("2027-09-21T10:31:00+08:00"))) ==
                    JobState::sent);
        }
        if (claim.jobs.empty()) break;
    }
    return ids;
}

}  // namespace

TEST_CASE("huitou reshard 1 → 3 → 2 → 1: fingerprints equal, readers unchanged, jobs once") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "reshard.toml");
    const auto season = write_season(redis, config);
    const auto before = answers(redis, config, season);
    const auto fingerprint = store_fingerprint(redis, kStore, 1);
    const auto names = keys_matching(redis, "hu:{toyland}:*");
    // The keys that expire, by their name after the tag: a copy keeps when.
    std::map<std::string, long long> expiring;
    for (const auto& key : names)
        if (const auto at = redis.command({"PEXPIRETIME", key}).integer; at > 0)
            expiring[key.substr(std::string("hu:{toyland}:").size())] = at;
    REQUIRE(expiring.size() > 10);
    SysSeconds now = at("2027-09-21T12:00:00+08:00");

    for (const int to : {3, 2, 1}) {
        INFO("to " << to);
        const auto run = reshard(redis, config, to, now);
        INFO(said(run));
        REQUIRE(run.decision.step == ReshardStep::done);
        CHECK(differing_families(fingerprint, store_fingerprint(redis, kStore, to)).empty());
        check_same(answers(redis, config, season), before);
        check_placement(redis, to);
        std::size_t kept = 0;
        for (const auto& shard : all_shards(kStore, to)) {
            const auto prefix = keys::shard_prefix(shard);
            for (const auto& key : keys_matching(redis, prefix + "*")) {
                const auto it = expiring.find(key.substr(prefix.size()));
                if (it == expiring.end()) continue;
                INFO(key);
                CHECK(redis.command({"PEXPIRETIME", key}).integer == it->second);
                ++kept;
            }
        }
        CHECK(kept >= expiring.size());
        forget_shards(redis, kStore);
        CHECK(shard_count(redis, kStore) == to);
        // Nothing of another layout is left but its fences, which expire.
        for (const int k : {1, 2, 3}) {
            if (k == to) continue;
            for (const auto& shard : all_shards(kStore, k)) {
                for (const auto& key : keys_matching(redis, keys::shard_prefix(shard) + "*")) {
                    const auto rest = key.substr(keys::shard_prefix(shard).size());
                    if (key == LuaScript::fence_key("{" + shard.tag() + "}")) {
                        CHECK(redis.command({"TTL", key}).integer > 0);
                        continue;
                    }
                    INFO(key);
                    CHECK((k == 1 && (!keys::is_per_shard(rest) || rest == "seg" ||
                                      rest.starts_with("care:") || rest == "optout:todo")));
                }
            }
        }
        const auto said_all = said(run);
        CHECK_THAT(said_all, Catch::Contains("verified: the fingerprints are equal"));
        CHECK_THAT(said_all, Catch::Contains("cleaned"));
    }
    // Back at one shard: the names of a store never sharded (the old fences
    // aside, which expire within a day).
    auto after = keys_matching(redis, "hu:{toyland}:*");
    after.erase(std::remove(after.begin(), after.end(), "hu:{toyland}:frozen"), after.end());
    CHECK(after == names);
    CHECK(redis.command({"EXISTS", keys::shard_record(kStore)}).integer == 0);
    // The festival goes on: the 29 records left (40, one held, ten sent) once each.
    CHECK(claim_rest(redis, config).size() == 29);
}

TEST_CASE("huitou reshard stopped after every step and run again ends the same") {
    const Config config = parse_config(kConfig, "reshard.toml");
    for (const std::string stop : {"start", "begin_copy", "copy:sheets", "copy:keys",
                                   "copy:rebuild", "verify", "switch_over"}) {
        DYNAMIC_SECTION("stopped after " << stop) {
            TestRedis server;
            auto redis = server.connect();
            const auto season = write_season(redis, config);
            const auto before = answers(redis, config, season);
            const auto fingerprint = store_fingerprint(redis, kStore, 1);
            SysSeconds now = at("2027-09-21T12:00:00+08:00");
            const auto first = reshard(redis, config, 3, now, stop);
            INFO(said(first));
            CHECK(first.decision.step != ReshardStep::done);
            CHECK(first.decision.step != ReshardStep::refuse);
            const auto second = reshard(redis, config, 3, now);
            INFO(said(second));
            REQUIRE(second.decision.step == ReshardStep::done);
            CHECK(differing_families(fingerprint, store_fingerprint(redis, kStore, 3)).empty());
            check_same(answers(redis, config, season), before);
            CHECK(claim_rest(redis, config).size() == 29);
        }
    }
}

TEST_CASE("huitou reshard --abort during the copy leaves the store as it was") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "reshard.toml");
    const auto season = write_season(redis, config);
    const auto before = answers(redis, config, season);
    const auto fingerprint = store_fingerprint(redis, kStore, 1);
    const auto names = keys_matching(redis, "hu:{toyland}:*");
    SysSeconds now = at("2027-09-21T12:00:00+08:00");
    REQUIRE(reshard(redis, config, 3, now, "copy:keys").decision.step == ReshardStep::copy);
    CHECK(!keys_matching(redis, "hu:{toyland.3.*").empty());
    // Another target is refused while this one is under way.
    const auto other = reshard(redis, config, 2, now);
    CHECK(other.decision.step == ReshardStep::refuse);
    CHECK_THAT(other.decision.why, Catch::Contains("a reshard to 3 shards is under way"));

    const auto aborted = reshard(redis, config, 3, now, "", true);
    INFO(said(aborted));
    REQUIRE(aborted.decision.step == ReshardStep::abort);
    CHECK(keys_matching(redis, "hu:{toyland.3.*").empty());
    CHECK(keys_matching(redis, "hu:{toyland}:*") == names);  // fence and record gone too
    CHECK(store_fingerprint(redis, kStore, 1) == fingerprint);
    check_same(answers(redis, config, season), before);
    CHECK(claim_rest(redis, config).size() == 29);
}

TEST_CASE("huitou reshard: a visit that arrives during the copy is parked and applied after") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "reshard.toml");
    write_season(redis, config);
    SysSeconds now = at("2027-09-21T12:00:00+08:00");
    REQUIRE(reshard(redis, config, 3, now, "copy:sheets").decision.step == ReshardStep::copy);
    // The visit feed's door: the store is being copied, so it parks.
    forget_shards(redis, kStore);
    const Visit visit{kStore,    member_id(5), at("2027-09-21T12:30:00+08:00"),
                      kFestival, "pos-777",    8800};
    ParkedEvents parked(redis, config);
    VisitStore visits(redis, config);
    CHECK(parked.apply_or_park(kStore, {visit}, [&] { visits.record({visit}, now); }));
    CHECK(parked.waiting(kStore) == 1);
    const auto run = reshard(redis, config, 3, now);
    INFO(said(run));
    REQUIRE(run.decision.step == ReshardStep::done);
    CHECK_THAT(said(run), Catch::Contains("replayed 1 parked events"));
    forget_shards(redis, kStore);
    const auto state = visits.state(kStore, member_id(5));
    REQUIRE(state);
    CHECK(state->last == visit.at);
    // Recorded in the new layout, under her shard's tag.
    const Shard hers{kStore, 3, member_shard(member_id(5), 3)};
    CHECK(redis.command({"EXISTS", keys::visit_state(hers, member_id(5))}).integer == 1);
}

TEST_CASE("huitou reshard: a webhook event not taken in yet holds the drain") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "reshard.toml");
    write_season(redis, config);
    // An event after the endpoint's cursor: sent jobs write message.sent.
    JobStore jobs(redis, config.scheduler);
    const auto rules = dispatch_rules(*config.find_store(kStore), at("2027-09-21T10:30:00+08:00"));
    const auto claim = jobs.claim_due(kStore, at("2027-09-21T10:30:00+08:00"), 1, &rules);
    REQUIRE(claim.jobs.size() == 1);
    REQUIRE(jobs.record(result(claim.jobs[0], Outcome::sent, at("2027-09-21T10:31:00+08:00"))) ==
            JobState::sent);
    SysSeconds now = at("2027-09-21T12:00:00+08:00");
    REQUIRE(reshard(redis, config, 3, now, "start").decision.step == ReshardStep::start);
    now += 60s;
    ReshardOptions options;
    options.lease = 2s;
    Reshard r(redis, config, kStore, 3, options);
    const auto d = reshard_next(r.facts(now, false));
    CHECK(d.step == ReshardStep::wait);
    CHECK_THAT(d.why, Catch::Contains("webhook deliveries are owed"));
    CHECK_THAT(d.why, Catch::Contains("not taken in yet"));
}

TEST_CASE("huitou reshard on a cluster: 1 → 3 with each shard on its own master") {
    TestCluster cluster;
    auto redis = cluster.connect();
    const Config config = parse_config(kConfig, "reshard.toml");
    const auto season = write_season(redis, config);
    const auto before = answers(redis, config, season);
    const auto fingerprint = store_fingerprint(redis, kStore, 1);
    // Each new shard's slot on its own master, before the copy writes there.
    const auto masters = cluster.masters();
    REQUIRE(masters.size() == 3);
    for (const auto& shard : all_shards(kStore, 3)) {
        const int slot = key_slot(keys::shard_prefix(shard));
        const auto m = masters[static_cast<std::size_t>(shard.index)];
        if (cluster.master_of(slot) != m) cluster.move_slot(slot, m);
    }
    SysSeconds now = at("2027-09-21T12:00:00+08:00");
    ReshardOptions options;
    options.lease = 2s;
    Reshard r(redis, config, kStore, 3, options);
    std::vector<std::string> lines;
    const auto d = r.run([&] { return now; }, [&](std::chrono::seconds s) { now += s; }, false,
                         [&](const std::string& line) { lines.push_back(line); });
    REQUIRE(d.step == ReshardStep::done);
    CHECK(differing_families(fingerprint, store_fingerprint(redis, kStore, 3)).empty());
    check_same(answers(redis, config, season), before);
    const auto placed = r.placement(3);
    REQUIRE(placed.size() == 3);
    std::set<std::string> placed_on;
    for (const auto& line : placed) {
        CHECK_THAT(line, Catch::Contains(" on 127.0.0.1:"));
        placed_on.insert(line.substr(line.find(" on ")));
    }
    CHECK(placed_on.size() == 3);
    CHECK(claim_rest(redis, config).size() == 29);
}

TEST_CASE(
    "huitou reshard killed again and again while the visit feed parks: ends equal, "
    "every visit once") {
    TestRedis server;
    auto redis = server.connect();
    TempDir dir;
    // The operator's config says three shards; the command carries it out.
    std::string three = kConfig;
    three.replace(three.find("name = "), 0, "shards = 3\n");
    write_file(dir.file("huitou.toml"), three);
    const Config config = parse_config(kConfig, "reshard.toml");
    const auto season = write_season(redis, config);
    const auto before = answers(redis, config, season);
    const auto fingerprint = store_fingerprint(redis, kStore, 1);
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(), "HUITOU_LOG_LEVEL=warn"};
    const std::vector<std::string> command{bin("huitou"),
                                           "--config",
                                           dir.file("huitou.toml"),
                                           "reshard",
                                           "--store",
                                           kStore,
                                           "--shards",
                                           "3",
                                           "--batch",
                                           "3"};
    // Through the drain (the lease and two map periods, real time: ~12 s).
    auto first = run(command, [&] {
        auto e = env;
        e.push_back("HUITOU_RESHARD_STOP_AT=begin_copy");
        return e;
    }());
    INFO(first.out << first.err);
    REQUIRE(first.status == 4);
    // --shards unlike the config's: refused, nothing written.
    auto unlike = command;
    unlike[unlike.size() - 3] = "2";
    const auto refused = run(unlike, env);
    CHECK(refused.status == 2);
    CHECK_THAT(refused.err, Catch::Contains("the config says shards = 3 for toyland"));
    // A second run while one holds the lock is refused.
    redis.command({"SET", "hu:{toyland}:reshard:lock", "someone", "PX", "30000"});
    auto locked = run(command, env);
    CHECK(locked.status == 1);
    CHECK_THAT(locked.err, Catch::Contains("another huitou reshard of toyland runs"));

    // Killed at random points of the copy and after; a visit from the point
    // of sale each time, parked or (once the store is live) recorded.
    VisitStore visits(redis, config);
    ParkedEvents parked(redis, config);
    const auto visits_before = visits.state(kStore, member_id(7))->visits;
    std::mt19937 random(7);
    int killed = 0, visited = 0;
    std::set<std::string> places;
    // Where a run is: the phase and the copy's place.
    const auto where_now = [&] {
        const auto phase = redis.command({"HGET", keys::shard_record(kStore), "phase"});
        const auto place =
            redis.command({"HMGET", "hu:{toyland}:reshard", "pass", "shard", "cursor"});
        std::string where = phase.is_nil() ? "live" : phase.str;
        for (const auto& part : place.elements)
            where += " " + (part.is_nil() ? std::string("-") : part.str);
        return where;
    };
    // Where each run is killed: after a few batches of the copy (the first
    // rounds), then as soon as it reaches a later phase — wherever the poll
    // catches it, a step or two on.
    const std::vector<std::string> later{"copy rebuild", "copy done", "replay", "live"};
    for (int round = 0; round < 12; ++round) {
        // A killed run's lock would stop the next for up to 30 s: gone at once here.
        redis.command({"DEL", "hu:{toyland}:reshard:lock"});
        Process p(command, env, dir.file("reshard.log"));
        if (round < 8) {
            const int steps = 1 + static_cast<int>(random() % 8);
            std::string last = where_now();
            for (int changes = 0; p.running() && changes < steps;) {
                const auto now_at = where_now();
                if (now_at != last) {
                    ++changes;
                    last = now_at;
                } else {
                    std::this_thread::sleep_for(1ms);
                }
            }
        } else {
            const auto& target = later[static_cast<std::size_t>(round - 8)];
            while (p.running() && !where_now().starts_with(target))
                std::this_thread::sleep_for(1ms);
        }
        if (p.running()) {
            p.signal(SIGKILL);
            ++killed;
            places.insert(where_now());
        }
        p.wait(10s);
        forget_shards(redis, kStore);
        const Visit v{kStore,
                      member_id(7),
                      at("2027-09-21T13:00:00+08:00") + std::chrono::minutes(round),
                      kFestival,
                      "pos-kill-" + std::to_string(round),
                      100};
        parked.apply_or_park(kStore, {v}, [&] { visits.record({v}, v.at); });
        ++visited;
    }
    redis.command({"DEL", "hu:{toyland}:reshard:lock"});
    const auto last = run(command, env, 120s);
    INFO(last.out << last.err << read_file(dir.file("reshard.log")));
    REQUIRE(last.status == 0);
    CHECK_THAT(last.out, Catch::Contains("done: the store is 3 shards"));
    CHECK_THAT(last.out, Catch::Contains("toyland.3.0: slot "));
    CHECK(killed >= 3);
    // The kills fell in different places of the copy (not all before it began).
    std::string seen;
    for (const auto& p : places)
        seen += p + "; ";
    WARN("killed at: " << seen);
    CHECK(places.size() >= 6);
    CHECK(std::any_of(places.begin(), places.end(),
                      [](const std::string& p) { return !p.starts_with("copy keys"); }));
    forget_shards(redis, kStore);
    CHECK(shard_count(redis, kStore) == 3);
    auto now_answers = answers(redis, config, season);
    // Every visit once: the visit count grew by exactly what was sent.
    CHECK(visits.state(kStore, member_id(7))->visits == visits_before + visited);
    // The fingerprint equal but for her visits (v, wb, her hash's visit
    // fields) and the counts they move.
    const auto differing = differing_families(fingerprint, store_fingerprint(redis, kStore, 3));
    for (const auto& family : differing) {
        INFO(family);
        CHECK((family == "m" || family == "v" || family == "wb" || family == "wb:counts"));
    }
    now_answers.members = before.members;  // her segment may move with the visits
    now_answers.segment_counts = before.segment_counts;
    check_same(now_answers, before);
    CHECK(claim_rest(redis, config).size() == 29);
}
