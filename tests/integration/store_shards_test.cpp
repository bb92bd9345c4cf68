// A store over K = 3 shards (docs/architecture.md, "A store over K shards",
// build step 3): with hu:{S}:shards saying K = 3, huitou import, the
// scheduler and the SMS worker put every member and every job under her
// shard's tag and nothing of hers under the store's own; the day's sheets,
// claims, results and counts go shard by shard, and the readers (counts,
// `huitou jobs`) put the shards together again. On one server, and on a
// cluster whose three masters hold one shard each — where a script touching
// two shards would be refused (CROSSSLOT).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/config.h"
#include "core/store_shards.h"
#include "io/care_store.h"
#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/member_eraser.h"
#include "io/member_store.h"
#include "io/redis_cluster.h"
#include "io/redis_keys.h"
#include "io/segment_store.h"
#include "io/shard_map.h"
#include "io/visit_store.h"
#include "tests/integration/daemons.h"
#include "tests/support/test_cluster.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

constexpr int kShards = 3;

// Splits `store`, still empty, over `k` shards: what `huitou reshard` will
// write for an empty store (step 6), which it splits only on day sheets
// (layout 2); the test helper of step 3.
void split_empty_store(RedisConnection& redis, const std::string& store, int k) {
    redis.command({"HSET", keys::shard_record(store), "k", std::to_string(k), "hash", "1"})
        .expect_ok("HSET shards");
    redis.command({"SET", keys::jobs_version(store), "2"}).expect_ok("SET jobs:v");
}

std::string member_id(int i) {
    char id[16];
    std::snprintf(id, sizeof id, "T%04d", i);
    return id;
}

// The store's job counts by state, summed over its shards.
std::map<std::string, long long> shard_counts(RedisConnection& redis, const std::string& store) {
    std::map<std::string, long long> out;
    for (const auto& shard : all_shards(store, kShards)) {
        const auto reply = redis.command({"HGETALL", keys::counts(shard)});
        for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
            out[reply.elements[i].str] += std::stoll(reply.elements[i + 1].str);
    }
    return out;
}

// What must hold of a K = 3 store `toyland` of `n` members T0000… after
// their birthday greetings went out.
void check_layout(RedisConnection& redis, int n) {
    // Each member under her shard's tag only; every shard has some.
    std::map<int, int> per_shard;
    for (int i = 0; i < n; ++i) {
        const auto id = member_id(i);
        const int home = member_shard(id, kShards);
        ++per_shard[home];
        for (const auto& shard : all_shards("toyland", kShards)) {
            INFO(id << " in shard " << shard.index << ", her shard " << home);
            CHECK(redis.command({"EXISTS", keys::member(shard, id)}).integer ==
                  (shard.index == home ? 1 : 0));
        }
        // Her job: in her shard.
        const auto job = "birthday:" + id + ":2027-09-22";
        CHECK(
            redis.command({"HGET", keys::job(Shard{"toyland", kShards, home}, job), "state"}).str ==
            "sent");
    }
    CHECK(per_shard.size() == kShards);
    for (const auto& [shard, members] : per_shard) {
        INFO("shard " << shard);
        CHECK(members > n / 6);  // n/3 expected
    }
    // The day's sheets: a count in every shard holding jobs.
    for (const auto& shard : all_shards("toyland", kShards))
        CHECK(redis.command({"HGET", keys::sheets(shard, "2027-09-22"), "n"}).str == "1");
    // Under the store's own tag only what belongs to the whole store.
    for (const auto& key : keys_matching(redis, keys::store_prefix("toyland") + "*")) {
        const auto rest = std::string_view(key).substr(keys::store_prefix("toyland").size());
        INFO(key);
        // `seg` is both the store's thresholds and, with K = 1, shard 0's
        // counts (redis_keys.h): the store's part is written here.
        CHECK((!keys::is_per_shard(rest) || rest == "seg"));
    }
}

}  // namespace

TEST_CASE_METHOD(Daemons,
                 "a store over three shards: import, plan, dispatch, outbox on one server") {
    auto redis = server.connect();
    split_empty_store(redis, "toyland", kShards);
    constexpr int kMembers = 90;
    import_members(kMembers);
    auto sched = scheduler("scheduler.log");
    auto worker = sms_worker("sms.log");
    const bool done =
        eventually([&] { return shard_counts(redis, "toyland")["sent"] == kMembers; }, 60s);
    if (!done) {
        for (const auto& [state, k] : shard_counts(redis, "toyland"))
            UNSCOPED_INFO(state << " " << k);
        UNSCOPED_INFO(read_file(dir.file("scheduler.log")));
    }
    REQUIRE(done);
    const auto ids = outbox();
    CHECK(ids.size() == kMembers);
    CHECK(distinct(ids) == kMembers);
    check_layout(redis, kMembers);

    // The readers put the shards together: `huitou jobs` finds a member's
    // job in her shard and the counts of the whole store.
    const auto id = member_id(kMembers - 1);
    const auto listed = run({bin("huitou"), "jobs", "--store", "toyland", "--member", id}, env);
    CHECK(listed.status == 0);
    CHECK(listed.out.find("birthday:" + id) != std::string::npos);
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}

namespace {

// Daemons on a cluster whose three masters each hold one of toyland's three
// shards (K ≤ 10 shards are always on distinct slots; the test moves them
// to distinct masters).
struct ShardedClusterDaemons : Daemons {
    TestCluster cluster;
    RedisConnection redis = cluster.connect();

    ShardedClusterDaemons() {
        std::set<std::size_t> used;
        for (const auto& shard : all_shards("toyland", kShards)) {
            const int slot = key_slot("{" + shard.tag() + "}");
            if (!used.contains(cluster.master_of(slot))) {
                used.insert(cluster.master_of(slot));
                continue;
            }
            for (const auto m : cluster.masters()) {
                if (used.contains(m)) continue;
                cluster.move_slot(slot, m);
                used.insert(m);
                break;
            }
        }
        REQUIRE(used.size() == kShards);
        env = {"HUITOU_REDIS_URL=" + cluster.url(), "HUITOU_LOG_LEVEL=info"};
    }
};

}  // namespace

TEST_CASE_METHOD(ShardedClusterDaemons,
                 "a store over three shards on three masters: import, plan, dispatch, outbox") {
    split_empty_store(redis, "toyland", kShards);
    constexpr int kMembers = 60;
    import_members(kMembers);
    auto sched = scheduler("scheduler.log");
    auto worker = sms_worker("sms.log");
    const bool done = eventually(
        [&] {
            try {
                return shard_counts(redis, "toyland")["sent"] == kMembers;
            } catch (const RedisError&) {
                return false;
            }
        },
        60s);
    if (!done) {
        UNSCOPED_INFO(read_file(dir.file("scheduler.log")));
        UNSCOPED_INFO(read_file(dir.file("sms.log")));
    }
    REQUIRE(done);
    const auto ids = outbox();
    CHECK(ids.size() == kMembers);
    CHECK(distinct(ids) == kMembers);
    check_layout(redis, kMembers);
    // Nothing was refused for touching two slots.
    CHECK_FALSE(log_has("scheduler.log", "CROSSSLOT"));
    CHECK_FALSE(log_has("sms.log", "CROSSSLOT"));
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}

namespace {

SysSeconds instant(const char* text) {
    return *parse_instant(text);
}

// Two member ids whose shards differ (of kShards).
std::pair<std::string, std::string> members_in_two_shards() {
    for (int i = 1;; ++i) {
        const auto b = "M" + std::to_string(i);
        if (member_shard(b, kShards) != member_shard("M0", kShards)) return {"M0", b};
    }
}

Job greeting_for(const std::string& member, const std::string& phone) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::birthday;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.channel = Channel::sms;
    j.to = phone;
    j.text = "生日快乐";
    j.due_at = instant("2027-09-15T10:00:00+08:00");
    j.expires_at = instant("2027-09-16T00:00:00+08:00");
    return j;
}

bool in_every_shard(RedisConnection& redis, const std::string& phone) {
    for (const auto& shard : all_shards("toyland", kShards))
        if (redis.command({"SISMEMBER", keys::opt_outs(shard, "sms"), phone}).integer != 1)
            return false;
    return true;
}

}  // namespace

TEST_CASE(
    "a store over three shards: an opt-out reaches every shard — a copy cut short is repaired") {
    TestRedis server;
    auto redis = server.connect();
    split_empty_store(redis, "toyland", kShards);
    const Config config = parse_config("[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
    JobStore jobs(redis, config.scheduler);
    ConsentStore consent(redis, config);
    const auto now = instant("2027-09-15T09:00:00+08:00");
    // One phone for two members in two shards (a mother's number on her
    // two children's cards): her "TD" must stop both greetings.
    const auto [a, b] = members_in_two_shards();
    const std::string phone = "+8613800138000";
    REQUIRE(jobs.create({greeting_for(a, phone), greeting_for(b, phone)}) == 2);

    ConsentEvent reply;
    reply.at = now;
    reply.store = "toyland";
    reply.channel = Channel::sms;
    reply.source = ConsentSource::sms_reply;
    reply.address = phone;
    reply.detail = "TD";
    const auto outcome = consent.record(reply);
    CHECK(outcome.newly_opted_out);
    CHECK(outcome.cancelled == 2);  // one in each member's shard
    CHECK(in_every_shard(redis, phone));
    CHECK(jobs.counts("toyland")["cancelled"] == 2);
    CHECK(jobs.get("toyland", greeting_for(a, phone).id)->state == JobState::cancelled);
    CHECK(jobs.get("toyland", greeting_for(b, phone).id)->state == JobState::cancelled);
    // The evidence once, in the address's own shard; nothing left to repair.
    CHECK(consent.ledger("toyland").size() == 1);
    const Shard home{"toyland", kShards, member_shard(phone, kShards)};
    CHECK(redis.command({"XLEN", keys::consent_log(home)}).integer == 1);
    CHECK(redis.command({"LLEN", keys::store_prefix("toyland") + "optout:todo"}).integer == 0);
    CHECK(consent.is_opted_out("toyland", Channel::sms, phone));
    Member ma, mb;
    ma.id = a;
    ma.phone = phone;
    mb.id = b;
    mb.phone = phone;
    const auto both = consent.opted_out("toyland", {ma, mb});
    CHECK(both[0].first);
    CHECK(both[1].first);

    // A recorder that died after its own shard: the other copies missing,
    // its todo entry left. The scheduler's repair copies the recording
    // shard's state into the others.
    for (const auto& shard : all_shards("toyland", kShards))
        if (shard.index != home.index) redis.command({"SREM", keys::opt_outs(shard, "sms"), phone});
    REQUIRE_FALSE(in_every_shard(redis, phone));
    redis.command({"RPUSH", keys::store_prefix("toyland") + "optout:todo",
                   "sms|" + std::to_string(home.index) + "|" + phone});
    CHECK(consent.repair_opt_outs("toyland", now) == 1);
    CHECK(in_every_shard(redis, phone));
    CHECK(redis.command({"LLEN", keys::store_prefix("toyland") + "optout:todo"}).integer == 0);
    CHECK(consent.repair_opt_outs("toyland", now) == 0);

    // An opt-in at the counter (member a) lifts it in every shard.
    ConsentEvent back;
    back.at = now + std::chrono::hours(1);
    back.store = "toyland";
    back.channel = Channel::sms;
    back.opt_in = true;
    back.source = ConsentSource::counter;
    back.member = a;
    back.address = phone;
    consent.record(back);
    for (const auto& shard : all_shards("toyland", kShards))
        CHECK(redis.command({"SISMEMBER", keys::opt_outs(shard, "sms"), phone}).integer == 0);
    CHECK(consent.ledger("toyland").size() == 2);
}

namespace {

constexpr const char* kTwinConfig = R"(
[scheduler]
plan_batch = 7
[stores.one]
name = "一店"
channels = ["sms"]
festivals = []
card_expiry_days = []
[stores.one.care]
enabled = true
daily_limit = 100
[stores.three]
name = "三店"
channels = ["sms"]
festivals = []
card_expiry_days = []
[stores.three.care]
enabled = true
daily_limit = 100
)";

}  // namespace

TEST_CASE("the same members at K = 1 and K = 3: the same segments, thresholds and care list") {
    TestRedis server;
    auto redis = server.connect();
    split_empty_store(redis, "three", kShards);
    const Config config = parse_config(kTwinConfig, "twins.toml");
    const Date day{date::year{2027} / 9 / 1};
    // 60 members in each store, the same ids, phones and visits: a visit
    // every `gap` days over the last year, each `cents`.
    MemberStore members(redis);
    VisitStore visits(redis, config);
    for (const std::string store : {"one", "three"}) {
        std::vector<MemberRecord> records;
        std::vector<Visit> history;
        for (int i = 0; i < 60; ++i) {
            const auto id = member_id(i);
            MemberRecord r{store, id, {}, {}};
            r.set = {{"name", "会员" + id},
                     {"phone", "+86138" + std::to_string(10000000 + i)},
                     {"sms_optin", "1"}};
            records.push_back(std::move(r));
            const int gap = 7 + (i * 13) % 90;
            for (int back = 360 - i; back > 0; back -= gap) {
                const Date when{date::sys_days{day} - date::days{back}};
                const auto at =
                    local_instant(when, std::chrono::hours(15), config.find_store(store)->zone);
                history.push_back(Visit{store, id, at, when, "v:" + id + ":" + std::to_string(back),
                                        1000LL * (1 + i % 9)});
            }
        }
        members.upsert(records);
        // In order of time, as a point of sale sends them.
        std::stable_sort(history.begin(), history.end(),
                         [](const Visit& a, const Visit& b) { return a.at < b.at; });
        for (std::size_t s = 0; s < history.size(); s += 200) {
            const std::vector<Visit> slice(
                history.begin() + static_cast<long>(s),
                history.begin() + static_cast<long>(std::min(history.size(), s + 200)));
            visits.record(slice, slice.back().at);
        }
    }
    // The members' keys of "three" are under its shards' tags.
    CHECK(keys_matching(redis, "hu:{three}:m:*").empty());
    CHECK(keys_matching(redis, "hu:{three}:v:*").empty());

    SegmentStore segments(redis, config);
    const auto one = segments.recompute(*config.find_store("one"), day, nullptr, true);
    const auto three = segments.recompute(*config.find_store("three"), day, nullptr, true);
    CHECK(one.members == 60);
    CHECK(three.members == one.members);
    CHECK(three.scored == one.scored);
    REQUIRE(one.thresholds);
    REQUIRE(three.thresholds);
    CHECK(three.thresholds->recency_days == one.thresholds->recency_days);
    CHECK(three.thresholds->visits == one.thresholds->visits);
    CHECK(three.thresholds->cents == one.thresholds->cents);
    // The counts by segment: the store's at K = 1, the shards' summed at K = 3.
    CHECK(segments.run("three").counts == segments.run("one").counts);
    long long counted = 0;
    for (const auto n : segments.run("three").counts)
        counted += n;
    CHECK(counted == static_cast<long long>(one.scored));
    for (int i = 0; i < 60; ++i) {
        const auto id = member_id(i);
        INFO(id);
        CHECK(members.get("three", id)->segment == members.get("one", id)->segment);
    }

    // The care lists of the next 120 days (each member has her day in the
    // period): the same every day, and marked the same way.
    CareStore care(redis, config);
    const auto* zone = config.find_store("one")->zone;
    const auto list_of = [&](const std::string& store, const Date& on) {
        std::vector<std::string> out;
        const auto list = care.day(*config.find_store(store), on);
        for (const auto& row : list->rows)
            out.push_back(row.entry.member + " " + std::string(to_string(row.entry.state)));
        return out;
    };
    std::size_t listed = 0;
    std::optional<Date> first_day;
    for (Date on = day; on < Date{date::sys_days{day} + date::days{120}};
         on = Date{date::sys_days{on} + date::days{1}}) {
        INFO(format_date(on));
        const auto one = care.build(*config.find_store("one"), on,
                                    local_instant(on, std::chrono::hours(1), zone));
        const auto three = care.build(*config.find_store("three"), on,
                                      local_instant(on, std::chrono::hours(1), zone));
        CHECK(three.read == one.read);
        CHECK(three.listed == one.listed);
        CHECK(three.verdicts == one.verdicts);
        CHECK(list_of("three", on) == list_of("one", on));
        listed += one.listed;
        if (one.listed > 0 && !first_day) first_day = on;
    }
    REQUIRE(first_day);
    CHECK(listed >= 10);
    // Marked in her shard, seen in the store's list.
    const auto first = list_of("three", *first_day).front();
    const auto member = first.substr(0, first.find(' '));
    const auto noon = local_instant(*first_day, std::chrono::hours(12), zone);
    for (const std::string store : {"one", "three"})
        CHECK(care.mark(*config.find_store(store), *first_day, member, CareState::done,
                        "聊了十分钟", "小王", noon) == CareMarkResult::ok);
    CHECK(list_of("three", *first_day) == list_of("one", *first_day));
    const auto marked = list_of("three", *first_day);
    CHECK(std::find(marked.begin(), marked.end(), member + " done") != marked.end());
}

TEST_CASE(
    "a store over three shards: erasing a member deletes her events in her addresses' shards") {
    TestRedis server;
    auto redis = server.connect();
    split_empty_store(redis, "toyland", kShards);
    const Config config = parse_config("[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
    // Her phone's own shard is not hers: an SMS reply from it (no member
    // named) is recorded there.
    std::string id, phone;
    for (int i = 0; phone.empty(); ++i) {
        const auto p = "+86138" + std::to_string(20000000 + i);
        if (member_shard(p, kShards) != member_shard("E1", kShards)) {
            id = "E1";
            phone = p;
        }
    }
    MemberStore(redis).upsert({{"toyland", id, {{"name", "王芳"}, {"phone", phone}}, {}}});
    ConsentStore consent(redis, config);
    ConsentEvent reply;
    reply.at = instant("2027-09-15T09:00:00+08:00");
    reply.store = "toyland";
    reply.channel = Channel::sms;
    reply.source = ConsentSource::sms_reply;
    reply.address = phone;
    reply.detail = "TD";
    consent.record(reply);
    ConsentEvent other = reply;  // another address's reply, in any shard: kept
    other.address = "+8613900000000";
    consent.record(other);
    Member m;
    m.store = "toyland";
    m.id = id;
    m.phone = phone;
    REQUIRE(consent.events_about(m).size() == 1);

    const auto erased =
        MemberEraser(redis, config).erase("toyland", id, instant("2027-09-16T09:00:00+08:00"));
    REQUIRE(erased);
    CHECK(erased->consent_events == 1);
    CHECK(consent.events_about(m).empty());
    const auto left = consent.ledger("toyland");
    REQUIRE(left.size() == 1);
    CHECK(left[0].address == other.address);
    // The address stays opted out in every shard (an erasure is not an opt-in).
    CHECK(in_every_shard(redis, phone));
}

TEST_CASE("a shard record is never read inside a pipeline: cached, or refused as a bug") {
    TestRedis server;
    auto redis = server.connect();
    split_empty_store(redis, "toyland", kShards);
    CHECK(shard_count(redis, "toyland") == kShards);  // read and cached
    redis.append({"PING"});
    REQUIRE(redis.pending() == 1);
    // Cached: answered without a command, whatever the pipeline holds.
    CHECK(shard_count(redis, "toyland") == kShards);
    // Never read: reading now would take the PING's reply.
    CHECK_THROWS_AS(shard_count(redis, "babycare"), std::logic_error);
    CHECK(redis.read().str == "PONG");
    CHECK(redis.pending() == 0);
    CHECK(shard_count(redis, "babycare") == 1);  // no record: K = 1
    // An outage drops the pipeline: nothing is left pending.
    redis.append({"PING"});
    redis.append({"PING"});
    server.stop();
    CHECK_THROWS_AS(redis.read(), RedisError);
    CHECK(redis.pending() == 0);
}
