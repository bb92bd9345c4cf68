// scan_all (io/redis_scan.h) on a real redis-server: every key of a SCAN
// MATCH and every item of HSCAN, SSCAN and ZSCAN seen, over many pages; an
// error reply named by its command and key.
#include "io/redis_scan.h"

#include <catch2/catch.hpp>

#include <set>

#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

TEST_CASE("scan_all walks a cursor to its end: keys, fields, members") {
    TestRedis server;
    auto redis = server.connect();
    // 1,500 keys of {a}, 500 of {b}; a hash, a set and a sorted set big
    // enough to leave the compact encodings (so a page is COUNT-sized).
    for (int i = 0; i < 2000; i += 250) {
        RedisCommand mset{"MSET"};
        for (int k = i; k < i + 250; ++k) {
            mset.push_back(std::string(k < 1500 ? "{a}:k" : "{b}:k") + std::to_string(k));
            mset.push_back("v");
        }
        redis.command(mset).expect_ok("MSET");
    }
    RedisCommand hset{"HSET", "{a}:hash"}, sadd{"SADD", "{a}:set"}, zadd{"ZADD", "{a}:zset"};
    for (int i = 0; i < 1000; ++i) {
        hset.insert(hset.end(), {"f" + std::to_string(i), std::to_string(i)});
        sadd.push_back("m" + std::to_string(i));
        zadd.insert(zadd.end(), {std::to_string(i), "z" + std::to_string(i)});
    }
    redis.pipeline({hset, sadd, zadd});

    std::set<std::string> keys;
    int pages = 0;
    scan_all(redis, {"SCAN", "MATCH", "{a}:k*", "COUNT", "100"}, [&](const RedisReply& page) {
        ++pages;
        for (const auto& key : page.elements)
            keys.insert(key.str);
    });
    CHECK(keys.size() == 1500);
    CHECK(keys.contains("{a}:k1499"));
    CHECK_FALSE(keys.contains("{b}:k1500"));
    CHECK(pages > 10);

    std::set<std::string> fields;
    long long sum = 0;
    scan_all(redis, {"HSCAN", "{a}:hash", "COUNT", "50"}, [&](const RedisReply& page) {
        for (std::size_t i = 0; i + 1 < page.elements.size(); i += 2)
            if (fields.insert(page.elements[i].str).second)
                sum += std::stoll(page.elements[i + 1].str);
    });
    CHECK(fields.size() == 1000);
    CHECK(sum == 999 * 1000 / 2);

    std::set<std::string> members;
    scan_all(redis, {"SSCAN", "{a}:set", "MATCH", "m1*", "COUNT", "50"},
             [&](const RedisReply& page) {
                 for (const auto& m : page.elements)
                     members.insert(m.str);
             });
    CHECK(members.size() == 111);  // m1, m10..m19, m100..m199

    std::set<std::string> scored;
    scan_all(redis, {"ZSCAN", "{a}:zset", "COUNT", "50"}, [&](const RedisReply& page) {
        for (std::size_t i = 0; i + 1 < page.elements.size(); i += 2)
            scored.insert(page.elements[i].str + "=" + page.elements[i + 1].str);
    });
    CHECK(scored.size() == 1000);
    CHECK(scored.contains("z7=7"));

    // A missing key is an empty walk; a key of the wrong type, an error naming it.
    int calls = 0;
    scan_all(redis, {"HSCAN", "{a}:none"}, [&](const RedisReply& page) {
        ++calls;
        CHECK(page.elements.empty());
    });
    CHECK(calls == 1);
    CHECK_THROWS_WITH(scan_all(redis, {"HSCAN", "{a}:k1"}, [](const RedisReply&) {}),
                      Catch::Contains("HSCAN {a}:k1") && Catch::Contains("WRONGTYPE"));
}
