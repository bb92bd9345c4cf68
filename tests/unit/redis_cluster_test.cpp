// The pure half of io/redis_cluster.h: slots, where each command goes, the
// redirects and the slot map as Redis writes them. The routing itself runs
// against a real cluster in tests/integration/redis_cluster_test.cpp.
#include <catch2/catch.hpp>

#include "io/lua_script.h"
#include "io/redis_cluster.h"

using namespace huitou;

namespace {

RedisReply text(std::string s) {
    RedisReply r;
    r.type = RedisReply::Type::string;
    r.str = std::move(s);
    return r;
}
RedisReply number(long long n) {
    RedisReply r;
    r.type = RedisReply::Type::integer;
    r.integer = n;
    return r;
}
RedisReply array(std::vector<RedisReply> elements) {
    RedisReply r;
    r.type = RedisReply::Type::array;
    r.elements = std::move(elements);
    return r;
}
RedisReply node(std::string ip, long long port, std::string role, std::string health) {
    return array({text("id"), text("e0a1"), text("port"), number(port), text("ip"), text(ip),
                  text("endpoint"), text(ip), text("role"), text(role), text("replication-offset"),
                  number(42), text("health"), text(health)});
}

}  // namespace

TEST_CASE("CRC16 and key slots as the Redis Cluster spec computes them") {
    CHECK(crc16("123456789") == 0x31C3);  // the spec's test vector
    CHECK(crc16("") == 0);
    CHECK(key_slot("123456789") == 0x31C3 % 16384);
    // Values CLUSTER KEYSLOT answers on Redis 7.0.
    CHECK(key_slot("foo") == 12182);
    CHECK(key_slot("{user1000}.following") == 3443);
    SECTION("a key hashes by its tag: the first {...} that is not empty") {
        CHECK(key_slot("{user1000}.following") == key_slot("{user1000}.followers"));
        CHECK(key_slot("{user1000}.following") == key_slot("user1000"));
        CHECK(key_slot("hu:{toyland}:m:M1") == key_slot("hu:{toyland}:due"));
        CHECK(key_slot("foo{}{bar}") != key_slot("bar"));  // "{}" is no tag: the whole key
        CHECK(key_slot("foo{{bar}}zap") == key_slot("{bar"));
        CHECK(key_slot("foo{bar}{zap}") == key_slot("bar"));
        CHECK(key_slot("{user1000") != key_slot("user1000"));  // no '}': the whole key
    }
}

TEST_CASE("where each command goes on a cluster") {
    using K = CommandRoute::Kind;
    auto check = [](RedisCommand args, K kind, std::size_t key = 0) {
        INFO(args[0]);
        const auto r = route_of(args);
        CHECK(r.kind == kind);
        if (kind == K::key) CHECK(r.key == key);
    };
    check({"HGETALL", "hu:{toyland}:m:M1"}, K::key, 1);
    check({"hgetall", "hu:{toyland}:m:M1"}, K::key, 1);  // any case
    check({"DEL", "a", "b"}, K::key, 1);
    check({"EVALSHA", "abc", "2", "hu:{s}:due", "hu:{s}:counts", "x"}, K::key, 3);
    check({"EVAL", "return 1", "0"}, K::any);
    check({"EVALSHA", "abc", "0", "hu:{s}:"}, K::any);  // keys in ARGV are not routed
    check({"XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "hu:{s}:wh:events", ">"},
          K::key, 7);
    check({"MEMORY", "USAGE", "hu:{s}:due"}, K::key, 2);
    check({"OBJECT", "ENCODING", "hu:{s}:due"}, K::key, 2);
    check({"MEMORY", "STATS"}, K::any);
    check({"PING"}, K::any);
    check({"INFO", "memory"}, K::any);
    check({"TIME"}, K::any);
    check({"CLUSTER", "SHARDS"}, K::any);
    check({"SCRIPT", "LOAD", "return 1"}, K::every);
    check({"FLUSHALL"}, K::every);
    check({"MULTI"}, K::transaction);
    check({"exec"}, K::transaction);
    check({"UNWATCH"}, K::transaction);
    check({"WATCH", "hu:{s}:m:1"}, K::key, 1);
    check({"SCAN", "0", "MATCH", "hu:{s}:job:*"}, K::scan);
}

TEST_CASE("a SCAN is confined to a slot only by a literal tag in its pattern") {
    CHECK(scan_slot({"SCAN", "0", "MATCH", "hu:{toyland}:job:*", "COUNT", "1000"}) ==
          key_slot("hu:{toyland}:job:x"));
    CHECK(scan_slot({"SCAN", "0", "match", "hu:{toyland}:*"}) == key_slot("{toyland}"));
    CHECK_FALSE(scan_slot({"SCAN", "0"}));
    CHECK_FALSE(scan_slot({"SCAN", "0", "MATCH", "*"}));
    CHECK_FALSE(scan_slot({"SCAN", "0", "MATCH", "hu:*{toyland}:*"}));  // "hu:{x}{toyland}"
    CHECK_FALSE(scan_slot({"SCAN", "0", "MATCH", "hu:{toy*}:*"}));
    CHECK_FALSE(scan_slot({"SCAN", "0", "MATCH", "hu:{}:*"}));
    CHECK_FALSE(scan_slot({"SCAN", "0", "COUNT", "10"}));
}

TEST_CASE("MOVED and ASK name the slot and the node") {
    auto r = parse_redirect("MOVED 3999 127.0.0.1:6381");
    REQUIRE(r);
    CHECK_FALSE(r->ask);
    CHECK(r->slot == 3999);
    CHECK(r->node == RedisNodeAddress{"127.0.0.1", 6381});
    r = parse_redirect("ASK 0 redis-b.internal:7002");
    REQUIRE(r);
    CHECK(r->ask);
    CHECK(r->slot == 0);
    CHECK(r->node == RedisNodeAddress{"redis-b.internal", 7002});
    CHECK_FALSE(parse_redirect("ERR unknown command"));
    CHECK_FALSE(parse_redirect("MOVED 16384 h:1"));
    CHECK_FALSE(parse_redirect("MOVED x h:1"));
    CHECK_FALSE(parse_redirect("MOVED 12"));
    CHECK_FALSE(parse_redirect("MOVED 12 h"));
    CHECK_FALSE(parse_redirect("MOVEDX 12 h:1"));
}

TEST_CASE("the slot map from CLUSTER SHARDS: each range's online master") {
    const auto reply = array({
        array({text("slots"), array({number(0), number(5460)}), text("nodes"),
               array({node("127.0.0.1", 7000, "master", "online"),
                      node("127.0.0.1", 7004, "replica", "online")})}),
        // Two ranges of one shard; its master failed, the replica took over.
        array({text("slots"), array({number(5461), number(5470), number(5480), number(10922)}),
               text("nodes"),
               array({node("127.0.0.1", 7001, "master", "failed"),
                      node("127.0.0.1", 7005, "master", "online")})}),
        // No master online: the range stays unknown.
        array({text("slots"), array({number(10923), number(16383)}), text("nodes"),
               array({node("127.0.0.1", 7002, "master", "failed")})}),
    });
    const auto ranges = parse_cluster_shards(reply);
    REQUIRE(ranges.size() == 3);
    CHECK(ranges[0].first == 0);
    CHECK(ranges[0].last == 5460);
    CHECK(ranges[0].master == RedisNodeAddress{"127.0.0.1", 7000});
    CHECK(ranges[1].first == 5461);
    CHECK(ranges[1].last == 5470);
    CHECK(ranges[1].master == RedisNodeAddress{"127.0.0.1", 7005});
    CHECK(ranges[2].first == 5480);
    CHECK(ranges[2].master == RedisNodeAddress{"127.0.0.1", 7005});

    RedisReply error;
    error.type = RedisReply::Type::error;
    error.str = "ERR This instance has cluster support disabled";
    CHECK_THROWS_AS(parse_cluster_shards(error), RedisReplyError);
    CHECK_THROWS_AS(parse_cluster_shards(array({array({text("slots")})})), RedisReplyError);
}

TEST_CASE("a script's slot guard hashes to the slot of its first key") {
    for (const std::string key : {"hu:{toyland}:job:birthday:M1:2027-09-22", "hu:{babycare}:m:M7",
                                  "hu:rate:{acct-1}", "plain-key"}) {
        INFO(key);
        const auto guard = LuaScript::slot_guard_key(key);
        CHECK(key_slot(guard) == key_slot(key));
        CHECK(guard != key);
    }
    CHECK(LuaScript::slot_guard_key("hu:{toyland}:counts") == "hu:{toyland}:slot-guard");
    // Every script that names keys it did not declare takes the guard.
    for (const char* name : {"claim_due", "plan_records", "record_result", "record_consent",
                             "erase_member", "apply_member_write", "record_delivery"}) {
        INFO(name);
        CHECK(LuaScript(name).guarded());
    }
    CHECK_FALSE(LuaScript("gcra").guarded());
}
