// RedisConnection on a real Redis Cluster (tests/support/test_cluster.h: 3
// masters, 3 replicas on loopback): commands, pipelines, scripts, SCAN and
// transactions routed by slot with replies in order; MOVED and ASK followed
// when a slot moves under a connection; and the whole path — huitou import,
// the scheduler, the SMS worker, the outbox — on the cluster, with the
// stores' slots spread over the three masters.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "io/job_store.h"
#include "io/lua_script.h"
#include "io/member_store.h"
#include "io/redis_cluster.h"
#include "io/redis_keys.h"
#include "tests/integration/daemons.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

// Stores whose tags fall on every master of a fresh cluster (slots 0-5460,
// 5461-10922, 10923-16383), found by key_slot.
std::vector<std::string> stores_on_every_master(std::size_t per_master) {
    std::vector<std::string> out;
    std::size_t taken[3] = {0, 0, 0};
    for (int i = 0; out.size() < 3 * per_master; ++i) {
        const std::string store = "shop" + std::to_string(i);
        const int range = key_slot("{" + store + "}") * 3 / kClusterSlots;
        if (taken[range] < per_master) {
            ++taken[range];
            out.push_back(store);
        }
    }
    return out;
}

std::string get_on(RedisConnection& node, const std::string& key) {
    const auto reply = node.command({"GET", key});
    return reply.is_error() ? "(" + reply.str.substr(0, reply.str.find(' ')) + ")" : reply.str;
}

}  // namespace

TEST_CASE("a cluster connection sends each command to the master of its slot") {
    TestCluster cluster;
    auto redis = cluster.connect();
    REQUIRE(redis.cluster());

    // What the unit test takes as known, asked of Redis itself.
    CHECK(redis.command({"CLUSTER", "KEYSLOT", "{user1000}.following"}).integer ==
          key_slot("{user1000}.following"));
    CHECK(redis.command({"CLUSTER", "KEYSLOT", "hu:{toyland}:m:M1"}).integer ==
          key_slot("hu:{toyland}:m:M1"));

    const auto stores = stores_on_every_master(4);
    SECTION("a pipeline over every master: replies in the order appended") {
        std::vector<RedisCommand> writes, reads;
        for (const auto& s : stores) {
            writes.push_back({"SET", keys::due(only_shard(s)), "due of " + s});
            writes.push_back({"HSET", keys::member(only_shard(s), "M1"), "name", s});
        }
        for (const auto& r : redis.pipeline(writes))
            CHECK_FALSE(r.is_error());
        for (const auto& s : stores) {
            reads.push_back({"GET", keys::due(only_shard(s))});
            reads.push_back({"HGET", keys::member(only_shard(s), "M1"), "name"});
        }
        const auto replies = redis.pipeline(reads);
        REQUIRE(replies.size() == 2 * stores.size());
        std::set<std::size_t> holders;
        for (std::size_t i = 0; i < stores.size(); ++i) {
            CHECK(replies[2 * i].str == "due of " + stores[i]);
            CHECK(replies[2 * i + 1].str == stores[i]);
            // Written where the cluster says the slot lives, nowhere else.
            const auto master = cluster.master_of(key_slot(keys::due(only_shard(stores[i]))));
            holders.insert(master);
            auto on_master = cluster.node(master);
            CHECK(get_on(on_master, keys::due(only_shard(stores[i]))) == "due of " + stores[i]);
            for (const auto other : cluster.masters()) {
                if (other == master) continue;
                auto elsewhere = cluster.node(other);
                CHECK(get_on(elsewhere, keys::due(only_shard(stores[i]))) == "(MOVED)");
            }
        }
        CHECK(holders.size() == 3);
        CHECK(redis.cluster()->redirects() == 0);
    }

    SECTION("scripts: loaded on every master, EVALSHA by the slot of KEYS[1]") {
        const LuaScript renew("renew_lease");
        std::vector<LuaScript::Call> calls;
        for (const auto& s : stores) {
            redis.command({"SET", keys::lease(s), "token-" + s});
            calls.push_back({{keys::lease(s), keys::shard_record(s)}, {"token-" + s, "60000"}});
        }
        // NOSCRIPT on every master first, then loaded and run again.
        for (const auto& r : renew.run_many(redis, calls))
            CHECK(r.elements.at(0).integer == 1);
        for (const auto m : cluster.masters()) {
            auto node = cluster.node(m);
            CHECK(node.command({"SCRIPT", "EXISTS", renew.sha()}).elements.at(0).integer == 1);
        }
        for (const auto& s : stores)
            CHECK(redis.command({"PTTL", keys::lease(s)}).integer > 50000);
        // Pipelined without NOSCRIPT handling, as planning sends them.
        renew.load(redis);
        for (const auto& c : calls)
            renew.send(redis, c);
        for (std::size_t i = 0; i < calls.size(); ++i)
            CHECK(redis.read().elements.at(0).integer == 1);
        // A master that lost its scripts (a promoted replica, a restart):
        // the connection loads what it loaded before, even in a pipeline
        // that does not handle NOSCRIPT.
        auto flushed = cluster.node(cluster.masters().at(1));
        flushed.command({"SCRIPT", "FLUSH"}).expect_ok("SCRIPT FLUSH");
        for (const auto& c : calls)
            renew.send(redis, c);
        for (std::size_t i = 0; i < calls.size(); ++i)
            CHECK(redis.read().elements.at(0).integer == 1);
        CHECK(flushed.command({"SCRIPT", "EXISTS", renew.sha()}).elements.at(0).integer == 1);
    }

    SECTION("SCAN: by the pattern's tag on one master, else over every master") {
        std::vector<RedisCommand> writes;
        for (const auto& s : stores)
            for (int j = 0; j < 30; ++j)
                writes.push_back({"SET", keys::job(only_shard(s), "J" + std::to_string(j)), "x"});
        redis.pipeline(writes);
        const auto scan = [&](std::vector<std::string> match) {
            std::set<std::string> seen;
            std::string cursor = "0";
            int calls = 0;
            do {
                RedisCommand c{"SCAN", cursor, "COUNT", "7"};
                c.insert(c.end(), match.begin(), match.end());
                const auto reply = redis.command(c);
                REQUIRE(reply.elements.size() == 2);
                cursor = reply.elements[0].str;
                for (const auto& k : reply.elements[1].elements)
                    seen.insert(k.str);
                REQUIRE(++calls < 1000);
            } while (cursor != "0");
            return seen;
        };
        const auto one = scan({"MATCH", keys::job_prefix(only_shard(stores[5])) + "*"});
        CHECK(one.size() == 30);
        CHECK(one.contains(keys::job(only_shard(stores[5]), "J29")));
        CHECK(scan({}).size() == 30 * stores.size());
        CHECK(scan({"MATCH", "hu:*:job:J1"}).size() == stores.size());
    }

    SECTION("transactions: MULTI goes with its keys, an empty one with its WATCH") {
        // MemberStore writes each store's batch as WATCH, HGETALLs, MULTI, ..., EXEC.
        std::vector<MemberRecord> records;
        for (const auto& s : stores)
            records.push_back({s, "M7", {{"name", "会员"}, {"birthday", "1990-09-22"}}, {}});
        MemberStore(redis).upsert(records);
        for (const auto& s : stores) {
            CHECK(redis.command({"HGET", keys::member(only_shard(s), "M7"), "name"}).str == "会员");
            CHECK(
                redis.command({"HEXISTS", keys::index(only_shard(s), "bd:09-22"), "M7"}).integer ==
                1);
        }
        // The same rows again change nothing: empty transactions, after the WATCH.
        MemberStore(redis).upsert(records);
        const auto replies = redis.pipeline({{"WATCH", keys::due(only_shard(stores[0]))},
                                             {"MULTI"},
                                             {"EXEC"},
                                             {"WATCH", keys::due(only_shard(stores[11]))},
                                             {"UNWATCH"},
                                             {"MULTI"},
                                             {"INCR", keys::counts(only_shard(stores[11]))},
                                             {"INCR", keys::counts(only_shard(stores[11]))},
                                             {"EXEC"}});
        CHECK(replies[2].type == RedisReply::Type::array);
        CHECK(replies[2].elements.empty());
        CHECK(replies[8].elements.at(1).integer == 2);
        // Across slots: Redis refuses it, as it would one server's CROSSSLOT.
        const auto cross = redis.pipeline({{"MULTI"},
                                           {"SET", keys::due(only_shard(stores[0])), "a"},
                                           {"SET", keys::due(only_shard(stores[11])), "b"},
                                           {"EXEC"}});
        CHECK(cross[2].is_error());
        CHECK(cross[3].is_error());
        CHECK(redis.command({"GET", keys::due(only_shard(stores[0]))}).str != "a");
    }

    SECTION("WAIT goes where the named key lives: its master's replicas answer") {
        // The replica of stores[0]'s master stops acknowledging; stores[11]'s
        // master (another one) keeps its replica.
        const std::string stalled = keys::due(only_shard(stores[0]));
        const std::string healthy = keys::due(only_shard(stores[11]));
        const auto master = cluster.master_of(key_slot(stalled));
        REQUIRE(master != cluster.master_of(key_slot(healthy)));
        cluster.pause(cluster.replica_of(master));
        CHECK(redis.command({"SET", stalled, "1"}).str == "OK");
        CHECK(redis.command({"SET", healthy, "1"}).str == "OK");
        // The last command went to the healthy master: a WAIT sent "anywhere"
        // would go there and count its replica.
        CHECK(redis.command_at(stalled, {"WAIT", "1", "300"}).integer == 0);
        CHECK(redis.command_at(healthy, {"WAIT", "1", "3000"}).integer == 1);
        cluster.resume(cluster.replica_of(master));
        CHECK(redis.command_at(stalled, {"WAIT", "1", "3000"}).integer == 1);
    }
}

TEST_CASE("a slot that moves under a connection: MOVED and ASK are followed") {
    TestCluster cluster;
    auto redis = cluster.connect();
    const std::string store = "toyland";
    const int slot = key_slot("{" + store + "}");
    const auto from = cluster.master_of(slot);
    std::size_t to = 0;
    for (const auto m : cluster.masters())
        if (m != from) to = m;
    for (int j = 0; j < 20; ++j)
        redis.command(
            {"SET", keys::job(only_shard(store), "J" + std::to_string(j)), std::to_string(j)});

    SECTION("MOVED: the map learns the new master, the command goes again") {
        cluster.move_slot(slot, to);
        REQUIRE(cluster.master_of(slot) == to);
        // A pipeline: every reply a MOVED first, each sent again, in order.
        std::vector<RedisCommand> reads;
        for (int j = 0; j < 20; ++j)
            reads.push_back({"GET", keys::job(only_shard(store), "J" + std::to_string(j))});
        const auto replies = redis.pipeline(reads);
        for (int j = 0; j < 20; ++j)
            CHECK(replies[static_cast<std::size_t>(j)].str == std::to_string(j));
        CHECK(redis.cluster()->redirects() == 20);
        // The map knows now: no redirect.
        CHECK(redis.command({"GET", keys::job(only_shard(store), "J3")}).str == "3");
        CHECK(redis.cluster()->redirects() == 20);
    }

    SECTION("ASK: a key already migrated is asked of the importing node, once") {
        cluster.begin_move(slot, to);
        REQUIRE(cluster.migrate_keys(slot, to, 5) == 5);
        std::vector<RedisCommand> reads;
        for (int j = 0; j < 20; ++j)
            reads.push_back({"GET", keys::job(only_shard(store), "J" + std::to_string(j))});
        const auto replies = redis.pipeline(reads);
        for (int j = 0; j < 20; ++j)
            CHECK(replies[static_cast<std::size_t>(j)].str == std::to_string(j));
        CHECK(redis.cluster()->redirects() == 5);  // the 5 migrated keys
        // ASK does not move the slot: the next read asks the old master again.
        const auto before = redis.cluster()->redirects();
        for (int j = 0; j < 20; ++j)
            CHECK(
                redis.command({"GET", keys::job(only_shard(store), "J" + std::to_string(j))}).str ==
                std::to_string(j));
        CHECK(redis.cluster()->redirects() == before + 5);
        cluster.migrate_keys(slot, to);
        cluster.finish_move(slot, to);
        CHECK(redis.command({"GET", keys::job(only_shard(store), "J19")}).str == "19");
    }

    SECTION("a transaction whose slot moved: an outage, the whole of it tried again") {
        cluster.move_slot(slot, to);
        CHECK_THROWS_AS(
            redis.pipeline({{"MULTI"}, {"INCR", keys::counts(only_shard(store))}, {"EXEC"}}),
            RedisError);
        redis.reconnect();
        const auto again =
            redis.pipeline({{"MULTI"}, {"INCR", keys::counts(only_shard(store))}, {"EXEC"}});
        CHECK(again[2].elements.at(0).integer == 1);
    }
}

TEST_CASE("a script whose slot is moving does not run half: it waits, then runs whole") {
    TestCluster cluster;
    auto redis = cluster.connect();
    const std::string store = "toyland";
    const int slot = key_slot("{" + store + "}");
    const auto from = cluster.master_of(slot);
    std::size_t to = from;
    for (const auto m : cluster.masters())
        if (m != from) to = m;
    // A job whose provider call ended unsure, a store with webhooks on: every
    // key record_delivery.lua declares exists. The effect report's sent
    // times (hu:{S}:fx:sent) it writes without declaring them.
    const std::string job = keys::job(only_shard(store), "J1");
    const std::string sent_times = "hu:{" + store + "}:fx:sent";
    redis.command(
        {"HSET", job, "state", "unknown", "member", "M1", "kind", "birthday", "channel", "sms"});
    redis.command({"HSET", keys::counts(only_shard(store)), "unknown", "1"});
    redis.command({"SET", keys::webhooks_on(only_shard(store)), "1"});
    redis.command({"XADD", keys::webhook_events(only_shard(store)), "*", "t", "test"});
    redis.command({"HSET", sent_times, "J0", "1"});
    JobStore jobs(redis, SchedulerConfig{});
    const auto at = *parse_instant("2027-09-22T10:00:00+08:00");

    // The slot starts to move; the sent times have gone over already.
    cluster.begin_move(slot, to);
    auto source = cluster.node(from);
    REQUIRE(source
                .command({"MIGRATE", "127.0.0.1", std::to_string(cluster.port(to)), "", "0", "5000",
                          "KEYS", sent_times})
                .expect_ok("MIGRATE")
                .str == "OK");
    // Without the guard the script would run on the old master and stop at
    // the sent times with the job already delivered and the counts not
    // moved. With it, Redis refuses it whole: an outage to wait out.
    CHECK_THROWS_AS(jobs.record_delivery(store, "J1", "delivered", at, ""), RedisError);
    redis.reconnect();
    CHECK(source.command({"HGET", job, "state"}).str == "unknown");
    CHECK_FALSE(source.command({"HEXISTS", job, "dlr_status"}).integer);
    CHECK(source.command({"HGET", keys::counts(only_shard(store)), "unknown"}).str == "1");

    // The slot has moved: the same call runs whole on the new master.
    cluster.migrate_keys(slot, to);
    cluster.finish_move(slot, to);
    CHECK(jobs.record_delivery(store, "J1", "delivered", at, "") == JobState::delivered);
    CHECK(redis.command({"HGET", keys::counts(only_shard(store)), "unknown"}).str == "0");
    CHECK(redis.command({"HGET", keys::counts(only_shard(store)), "delivered"}).str == "1");
    CHECK(redis.command({"HEXISTS", sent_times, "J1"}).integer == 1);
    CHECK(redis.command({"EXISTS", LuaScript::slot_guard_key(job)}).integer == 0);
}

// Daemons (daemons.h) on a cluster: the programs get its URL; the stores'
// slots are moved so that each of three stores has a master of its own.
struct ClusterDaemons : Daemons {
    TestCluster cluster;
    const std::vector<std::string> stores{"toyland", "babycare", "jade-spa"};
    RedisConnection redis = cluster.connect();

    ClusterDaemons() {
        std::set<std::size_t> used{cluster.master_of(key_slot("{toyland}"))};
        for (const auto& s : {"babycare", "jade-spa"}) {
            const int slot = key_slot("{" + std::string(s) + "}");
            for (const auto m : cluster.masters()) {
                if (used.contains(m)) continue;
                if (cluster.master_of(slot) != m) cluster.move_slot(slot, m);
                used.insert(m);
                break;
            }
        }
        REQUIRE(used.size() == 3);
        env = {"HUITOU_REDIS_URL=" + cluster.url(), "HUITOU_LOG_LEVEL=info"};
    }

    // `n` members a store, each with an SMS birthday greeting due today.
    void import_everywhere(int n) {
        std::ostringstream csv;
        csv << "member_id,store,name,birthday,phone,sms_optin\n";
        for (const auto& s : stores)
            for (int i = 0; i < n; ++i)
                csv << s << i << "," << s << ",会员" << i << ",1990-09-22,1380013" << 1000 + i
                    << ",1\n";
        write_file(dir.file("members.csv"), csv.str());
        const auto imported = run({bin("huitou"), "import", dir.file("members.csv")}, env);
        INFO(imported.err);
        REQUIRE(imported.status == 0);
    }

    std::map<std::string, long long> counts_of(const std::string& store) {
        const auto c = redis.command({"HGETALL", keys::counts(only_shard(store))});
        std::map<std::string, long long> out;
        for (std::size_t i = 0; i + 1 < c.elements.size(); i += 2)
            out[c.elements[i].str] = std::stoll(c.elements[i + 1].str);
        return out;
    }
    // Every job of every store ended (none planned or dispatched), `n` a
    // store. False while a master is away.
    bool all_ended(long long n) try {
        for (const auto& s : stores) {
            auto c = counts_of(s);
            if (c["planned"] != 0 || c["dispatched"] != 0) return false;
            long long ended = 0;
            for (const auto& [state, k] : c)
                ended += k;
            if (ended != n) return false;
        }
        return true;
    } catch (const RedisError&) {
        return false;  // the next command loads the slot map again
    }
    // all_ended within 90 s; if not, the counts and the logs' tails are said.
    bool all_ended_or_said(long long n) {
        if (eventually([&] { return all_ended(n); }, 90s)) return true;
        const auto tail = [&](const std::string& log) {
            const auto text = read_file(dir.file(log));
            return text.substr(text.size() > 3000 ? text.size() - 3000 : 0);
        };
        for (const auto& s : stores)
            for (const auto& [state, k] : counts_of(s))
                UNSCOPED_INFO(s << " " << state << " " << k);
        UNSCOPED_INFO("scheduler.log:\n" << tail("scheduler.log"));
        UNSCOPED_INFO("sms.log:\n" << tail("sms.log"));
        return false;
    }
};

TEST_CASE_METHOD(ClusterDaemons, "the whole path on a cluster: import, plan, dispatch, outbox") {
    constexpr int kPerStore = 40;
    import_everywhere(kPerStore);
    auto sched = scheduler("scheduler.log");
    auto worker = sms_worker("sms.log");
    CHECK(eventually(
        [&] {
            for (const auto& s : stores)
                if (counts_of(s)["sent"] != kPerStore) return false;
            return true;
        },
        60s));
    CHECK(all_ended(kPerStore));
    const auto ids = outbox();
    CHECK(ids.size() == stores.size() * kPerStore);
    CHECK(distinct(ids) == ids.size());
    // `huitou jobs` reads them back through the cluster too.
    const auto listed =
        run({bin("huitou"), "jobs", "--store", "babycare", "--member", "babycare0", "--json"}, env);
    CHECK(listed.status == 0);
    CHECK(listed.out.find("babycare0") != std::string::npos);
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}

TEST_CASE_METHOD(ClusterDaemons, "a master killed during dispatch: its replica takes over") {
    constexpr int kPerStore = 60;
    import_everywhere(kPerStore);
    auto sched = scheduler("scheduler.log");
    // A slow account (15 a second), so the kill falls in the middle of the sending.
    auto worker =
        sms_worker("sms.log", {"--set", "sms.rate_per_second=15", "--set", "sms.rate_burst=1"});
    REQUIRE(eventually([&] { return outbox().size() >= 40; }, 60s));
    const auto master = cluster.master_of(key_slot("{toyland}"));
    const auto replica = cluster.replica_of(master);
    cluster.kill(master);
    // The replica is promoted (cluster-node-timeout 1 s) and serves the slot.
    REQUIRE(cluster.wait_ok(30s));
    CHECK(cluster.master_of(key_slot("{toyland}")) == replica);
    CHECK(all_ended_or_said(kPerStore));
    const auto ids = outbox();
    // Nothing twice; nothing lost: every job sent, or `unknown` when it may
    // have reached the provider (the crash harness's bound).
    CHECK(distinct(ids) == ids.size());
    long long sent = 0, unknown = 0;
    for (const auto& s : stores) {
        auto c = counts_of(s);
        INFO(s << " failed " << c["failed"] << " expired " << c["expired"]);
        CHECK(c["failed"] == 0);
        CHECK(c["expired"] == 0);
        sent += c["sent"];
        unknown += c["unknown"];
    }
    CHECK(sent + unknown == static_cast<long long>(stores.size()) * kPerStore);
    CHECK(static_cast<std::size_t>(sent) <= ids.size());
    CHECK(log_has("scheduler.log", "Redis is back"));
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}

TEST_CASE_METHOD(ClusterDaemons,
                 "redis.wait_replicas: no provider call on a mark its master's replica lacks") {
    constexpr int kPerStore = 8;
    import_everywhere(kPerStore);
    // toyland's replica stops acknowledging: a failover now would lose the
    // marks its master took. The other stores' masters keep theirs.
    const auto replica = cluster.replica_of(cluster.master_of(key_slot("{toyland}")));
    cluster.pause(replica);
    auto sched = scheduler("scheduler.log");
    auto worker = sms_worker(
        "sms.log", {"--set", "redis.wait_replicas=1", "--set", "redis.wait_timeout_ms=200"});
    CHECK(eventually(
        [&] {
            return counts_of("babycare")["sent"] == kPerStore &&
                   counts_of("jade-spa")["sent"] == kPerStore;
        },
        60s));
    // Marked, not acknowledged, not called: each went back (the 5 s retry).
    CHECK(eventually([&] { return log_has("sms.log", "the call mark reached 0 of 1 replicas"); },
                     30s));
    CHECK(counts_of("toyland")["sent"] == 0);
    CHECK(outbox().size() == 2 * kPerStore);
    // The replica back: each job goes, once, and no call was counted twice.
    cluster.resume(replica);
    CHECK(all_ended_or_said(kPerStore));
    CHECK(counts_of("toyland")["sent"] == kPerStore);
    const auto ids = outbox();
    CHECK(ids.size() == stores.size() * kPerStore);
    CHECK(distinct(ids) == ids.size());
    // The marks not acted on were undone: one provider call a job.
    const auto jobs = keys_matching(redis, keys::job_prefix(only_shard("toyland")) + "*");
    CHECK(jobs.size() == kPerStore);
    for (const auto& job : jobs)
        CHECK(redis.command({"HGET", job, "calls"}).str == "1");
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}

TEST_CASE_METHOD(ClusterDaemons, "a store's slot moved to another master while it dispatches") {
    constexpr int kPerStore = 60;
    import_everywhere(kPerStore);
    auto sched = scheduler("scheduler.log");
    // A slow account (15 a second), so the move falls in the middle of the sending.
    auto worker =
        sms_worker("sms.log", {"--set", "sms.rate_per_second=15", "--set", "sms.rate_burst=1"});
    REQUIRE(eventually([&] { return outbox().size() >= 30; }, 60s));
    const int slot = key_slot("{toyland}");
    const auto from = cluster.master_of(slot);
    std::size_t to = from;
    for (const auto m : cluster.masters())
        if (m != from) to = m;
    // As `redis-cli --cluster reshard` moves a slot: importing and migrating,
    // its keys a few at a time (the scheduler and the worker at work between
    // two batches: ASK, TRYAGAIN), then the slot given to its new master
    // (MOVED).
    cluster.begin_move(slot, to);
    std::size_t moved = 0, batches = 0;
    while (const auto n = cluster.migrate_keys(slot, to, 4)) {
        moved += n;
        ++batches;
        std::this_thread::sleep_for(30ms);
    }
    cluster.finish_move(slot, to);
    REQUIRE(cluster.master_of(slot) == to);
    INFO("keys moved " << moved << " in " << batches << " batches");
    CHECK(batches > 10);
    CHECK(all_ended_or_said(kPerStore));
    // Nothing lost, nothing twice, nothing unsure (no worker died): every job sent once.
    const auto ids = outbox();
    CHECK(distinct(ids) == ids.size());
    CHECK(ids.size() == stores.size() * kPerStore);
    for (const auto& s : stores) {
        auto c = counts_of(s);
        INFO(s);
        CHECK(c["sent"] == kPerStore);
    }
    // No key of the store was left behind on its old master.
    CHECK(
        cluster.node(from).command({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}).integer ==
        0);
    CHECK(worker.stop() == 0);
    CHECK(sched.stop() == 0);
}
