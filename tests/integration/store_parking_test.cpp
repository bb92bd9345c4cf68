// Parking (docs/architecture.md, "huitou reshard"; io/parked_events.h): the
// doors that cannot ask their sender to retry keep what arrives while a
// reshard copies their store, in order, and the reshard applies it after
// the switch. On a real redis-server: park.lua parks only while the record
// says `copy` or `replay` and end_replay.lua ends the phase only over an
// empty list; the replay applies visits, consent events and delivery results
// through the usual io classes, once (a consent event replayed twice is
// recorded once), stops at an entry it cannot read with the ones before it
// applied; and the scheduler's ZeroMQ visit feed parks a held store's visits
// on real sockets — through the copy and the replay, after which they are
// the new layout's, in the shard of K = 3 their member belongs to — while
// another store's visits are recorded at once. The WeChat listener and the
// SMS receipt pushes are tested where their doors are (wechat_events_test,
// aliyun_sender_test).
#include <catch2/catch.hpp>

#include "core/visit_wire.h"
#include "io/consent_store.h"
#include "io/parked_events.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/visit_store.h"
#include "io/zmq_frames.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_jobs.h"
#include "tests/support/test_redis.h"
#include "tests/support/test_reshard.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

Config parking_config() {
    return parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
visits = "tcp://127.0.0.1:*"
[stores.toyland]
name = "童乐玩具"
[stores.ktv]
name = "欢唱KTV"
)",
                        "parking.toml");
}

Visit visit(const std::string& store, const std::string& member, const char* when,
            const std::string& key) {
    Visit v;
    v.store = store;
    v.member_id = member;
    v.at = at(when);
    v.day = *parse_date(std::string(when).substr(0, 10));
    v.key = key;
    v.amount_cents = 8800;
    return v;
}

ConsentEvent opt_out(const std::string& member, const char* when) {
    ConsentEvent e;
    e.at = at(when);
    e.store = "toyland";
    e.channel = Channel::sms;
    e.source = ConsentSource::sms_reply;
    e.member = member;
    e.address = "+8613800138000";
    e.detail = "TD";
    return e;
}

std::vector<std::string> parked_list(RedisConnection& redis, const std::string& store) {
    std::vector<std::string> out;
    for (const auto& e : redis.command({"LRANGE", keys::reshard_parked(store), "0", "-1"}).elements)
        out.push_back(e.str);
    return out;
}

std::string phase_of(RedisConnection& redis, const std::string& store) {
    return redis.command({"HGET", keys::shard_record(store), "phase"}).str;
}

}  // namespace

TEST_CASE(
    "events park only while a reshard copies or replays — the replay ends over an empty list") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parking_config();
    ParkedEvents parked(redis, config);
    const std::vector<ParkedEvent> one{visit("toyland", "M1", "2027-09-15T10:00:00+08:00", "id:A")};

    // No reshard, then one draining: nothing parked, nothing written.
    CHECK_FALSE(parked.parking("toyland"));
    CHECK_FALSE(parked.park("toyland", one));
    redis.command({"HSET", keys::shard_record("toyland"), "k", "1", "hash", "1", "to", "3", "phase",
                   "drain", "at", kReshardAt});
    forget_shards(redis, "toyland");
    CHECK_FALSE(parked.parking("toyland"));
    CHECK_FALSE(parked.park("toyland", one));
    CHECK(parked.waiting("toyland") == 0);

    hold_for_copy(redis, "toyland", 1, 3);
    forget_shards(redis, "toyland");
    CHECK(parked.parking("toyland"));
    CHECK(parked.park("toyland", one));
    CHECK(parked.park("toyland", {opt_out("M1", "2027-09-15T10:01:00+08:00"),
                                  ParkedDelivery{"toyland", "birthday:M1:2027-09-15", "delivered",
                                                 at("2027-09-15T10:02:00+08:00"), ""}}));
    const auto list = parked_list(redis, "toyland");
    REQUIRE(list.size() == 3);
    // Numbered in order, under the reshard's start: the once keys of the replay.
    CHECK(list[0].starts_with(std::string(kReshardAt) + ":1 {"));
    CHECK(list[1].starts_with(std::string(kReshardAt) + ":2 {"));
    CHECK(list[2].starts_with(std::string(kReshardAt) + ":3 {"));
    // Nothing of another store, and the replay does nothing before the switch.
    CHECK(parked.waiting("ktv") == 0);
    CHECK(parked.replay("toyland", at("2027-09-15T11:00:00+08:00")).applied == 0);
    CHECK(parked.waiting("toyland") == 3);

    // end_replay.lua: not while events wait, not outside `replay`.
    LuaScript end_replay("end_replay");
    const std::vector<std::string> end_keys{keys::shard_record("toyland"),
                                            keys::reshard_parked("toyland")};
    CHECK(end_replay.run(redis, end_keys, {}).integer == -1);  // still `copy`
    switch_layout(redis, "toyland", 1, 3);
    CHECK(end_replay.run(redis, end_keys, {}).integer == 0);  // three wait
    CHECK(phase_of(redis, "toyland") == "replay");
    // During the replay a door still parks: it must not overtake the three.
    CHECK(parked.park("toyland", {visit("toyland", "M2", "2027-09-15T10:30:00+08:00", "id:B")}));
    CHECK(parked.waiting("toyland") == 4);
    redis.command({"DEL", keys::reshard_parked("toyland")});
    CHECK(end_replay.run(redis, end_keys, {}).integer == 1);
    CHECK(phase_of(redis, "toyland").empty());
    CHECK(redis.command({"HGET", keys::shard_record("toyland"), "k"}).str == "3");
    CHECK(redis.command({"HEXISTS", keys::shard_record("toyland"), "to"}).integer == 0);
    // Live again: parking answers no, and says so by dropping the cached record.
    CHECK_FALSE(parked.park("toyland", one));
    CHECK(parked.waiting("toyland") == 0);
}

TEST_CASE("the replay applies every kind through its io class, once, in order") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parking_config();
    ParkedEvents parked(redis, config);
    JobStore jobs(redis, config.scheduler);
    ConsentStore consent(redis, config);
    VisitStore visits(redis, config);
    const Job greeting = birthday_job("M1");
    REQUIRE(jobs.create({greeting}) == 1);
    const auto now = at("2027-09-15T11:00:00+08:00");

    hold_for_copy(redis, "toyland", 1, 1);
    REQUIRE(parked.park("toyland", {visit("toyland", "M1", "2027-09-14T18:00:00+08:00", "id:A"),
                                    visit("toyland", "M1", "2027-09-15T09:00:00+08:00", "id:B"),
                                    opt_out("M1", "2027-09-15T10:05:00+08:00"),
                                    visit("toyland", "M1", "2027-09-15T09:00:00+08:00", "id:B")}));
    switch_layout(redis, "toyland", 1, 1);

    SECTION("applied, then the phase ends") {
        const auto r = parked.replay("toyland", now);
        CHECK(r.applied == 4);
        CHECK(r.ended);
        CHECK(phase_of(redis, "toyland").empty());
        const auto state = visits.state("toyland", "M1");
        REQUIRE(state);
        CHECK(state->visits == 2);  // id:B twice is one visit
        CHECK(state->last_date == *parse_date("2027-09-15"));
        CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138000"));
        // Today's greeting to the address is cancelled by the replayed opt-out.
        CHECK(jobs.get("toyland", greeting.id)->state == JobState::cancelled);
        const auto ledger = consent.ledger("toyland");
        REQUIRE(ledger.size() == 1);
        CHECK(ledger[0].at == at("2027-09-15T10:05:00+08:00"));  // its own time, not the replay's

        SECTION("the same entries replayed again (a crash before LTRIM): nothing twice") {
            const auto again = snapshot(redis);
            hold_for_copy(redis, "toyland", 1, 1);
            switch_layout(redis, "toyland", 1, 1);
            // What a crash between apply and LTRIM leaves: the entry as it was parked.
            redis.command({"RPUSH", keys::reshard_parked("toyland"),
                           std::string(kReshardAt) + ":3 " +
                               encode_parked(opt_out("M1", "2027-09-15T10:05:00+08:00"))});
            const auto r2 = parked.replay("toyland", now);
            CHECK(r2.applied == 1);
            CHECK(r2.ended);
            CHECK(consent.ledger("toyland").size() == 1);  // its once key was taken
            CHECK(snapshot(redis) == again);
        }
    }
    SECTION("an entry this build cannot read stops the replay, the ones before it applied") {
        redis.command({"LINSERT", keys::reshard_parked("toyland"), "BEFORE",
                       parked_list(redis, "toyland")[2], "1821340800:99 {\"kind\":\"sms\"}"});
        REQUIRE_THROWS_WITH(parked.replay("toyland", now),
                            Catch::Contains("entry 3 of hu:{toyland}:reshard:parked") &&
                                Catch::Contains("unknown kind `sms`"));
        CHECK(visits.state("toyland", "M1")->visits == 2);
        CHECK_FALSE(consent.is_opted_out("toyland", Channel::sms, "+8613800138000"));
        CHECK(parked.waiting("toyland") == 3);
        CHECK(phase_of(redis, "toyland") == "replay");
        redis.command({"LPOP", keys::reshard_parked("toyland")});
        const auto r = parked.replay("toyland", now);
        CHECK(r.applied == 2);
        CHECK(r.ended);
        CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138000"));
    }
}

TEST_CASE(
    "the ZeroMQ visit feed parks a resharded store's visits until the replay — other stores' go "
    "on") {
    TestRedis server;
    const Config config = parking_config();
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock(at("2027-09-15T20:00:00+08:00"));
    zmq::context_t zmq;
    auto redis = server.connect();
    Scheduler scheduler(config, templates, redis, zmq, clock);
    scheduler.listen_for_visits();
    zmq::socket_t pos(zmq, zmq::socket_type::push);
    pos.connect(scheduler.visits_endpoint());
    auto check = server.connect();
    VisitStore visits(check, config);
    const auto take = [&](std::size_t n) {
        return eventually([&] {
            scheduler.handle_results(10ms);
            scheduler.handle_visits();
            return scheduler.stats().visits + scheduler.stats().visits_parked == n;
        });
    };

    // Before the reshard: recorded, and the feed's connection now holds the
    // store's record (no phase) for a few seconds — so the visits below meet
    // the fence, and are parked from there.
    REQUIRE(eventually([&] {
        return send_frames(
            pos, encode_visit({"toyland", "M0", "2027-09-15T18:00:00+08:00", "", "POS-0"}));
    }));
    REQUIRE(take(1));
    REQUIRE(visits.state("toyland", "M0"));

    hold_for_copy(check, "toyland", 1, 3);
    send_frames(pos, encode_visit({"toyland", "M1", "2027-09-15T19:00:00+08:00", "88", "POS-1"}));
    send_frames(pos, encode_visit({"ktv", "K1", "2027-09-15T19:10:00+08:00", "120", "POS-9"}));
    send_frames(pos, encode_visit({"toyland", "M2", "2027-09-15T19:20:00+08:00", "", "POS-2"}));
    REQUIRE(take(4));
    CHECK(scheduler.stats().visits_parked == 2);
    CHECK(visits.state("ktv", "K1"));  // another store: recorded at once
    CHECK_FALSE(visits.state("toyland", "M1"));
    CHECK(parked_list(check, "toyland").size() == 2);

    // The switch: K = 3, replaying. A visit now still parks, behind the two.
    switch_layout(check, "toyland", 1, 3);
    send_frames(pos, encode_visit({"toyland", "M1", "2027-09-15T19:40:00+08:00", "", "POS-3"}));
    REQUIRE(take(5));
    CHECK(scheduler.stats().visits_parked == 3);
    CHECK(parked_list(check, "toyland").size() == 3);

    ParkedEvents parked(check, config);
    const auto r = parked.replay("toyland", clock.now());
    CHECK(r.applied == 3);
    CHECK(r.ended);
    // In the new layout, each member in her shard of three; the old {toyland}
    // holds no visit of theirs.
    forget_shards(check, "toyland");
    for (const std::string m : {"M1", "M2"}) {
        INFO(m);
        const Shard shard{"toyland", 3, member_shard(m, 3)};
        CHECK(check.command({"EXISTS", keys::visit_state(shard, m)}).integer == 1);
        CHECK(check.command({"EXISTS", keys::visit_state(only_shard("toyland"), m)}).integer == 0);
    }
    CHECK(visits.state("toyland", "M1")->visits == 2);
    CHECK(visits.state("toyland", "M2")->visits == 1);

    // Live: the next visit is recorded, not parked (the feed's cached record
    // says replay for a few seconds; park.lua says no and it applies).
    send_frames(pos, encode_visit({"toyland", "M2", "2027-09-15T19:50:00+08:00", "", "POS-4"}));
    REQUIRE(take(6));
    CHECK(scheduler.stats().visits_parked == 3);
    CHECK(visits.state("toyland", "M2")->visits == 2);
    CHECK(parked.waiting("toyland") == 0);
}
