#include <catch2/catch.hpp>

#include "core/redis_url.h"

using namespace huitou;

TEST_CASE("Redis URLs") {
    auto ep = parse_redis_url("redis://127.0.0.1:6380/2");
    REQUIRE(ep);
    CHECK(ep->host == "127.0.0.1");
    CHECK(ep->port == 6380);
    CHECK(ep->db == 2);
    ep = parse_redis_url("redis://huitou:s3cr%t@redis.internal");
    REQUIRE(ep);
    CHECK(ep->user == "huitou");
    CHECK(ep->password == "s3cr%t");
    CHECK(ep->port == 6379);
    CHECK(ep->describe() == "redis://redis.internal:6379/0");  // never the password
    ep = parse_redis_url("unix:///run/redis/redis.sock?db=1");
    REQUIRE(ep);
    CHECK(ep->unix_path == "/run/redis/redis.sock");
    CHECK(ep->db == 1);

    std::string error;
    CHECK_FALSE(parse_redis_url("http://x", &error));
    CHECK_THAT(error, Catch::Contains("expected redis://"));
    CHECK_FALSE(parse_redis_url("redis://host:99999", &error));
    CHECK_THAT(error, Catch::Contains("bad port"));
    CHECK_FALSE(parse_redis_url("redis://host/db", &error));
}

TEST_CASE("a bad Redis URL is quoted with its credentials masked") {
    std::string error;
    for (const auto& [url, shown] : std::vector<std::pair<std::string, std::string>>{
             {"redis://huitou:Pa55w0rd@host:99999/0", "redis://huitou:****@host:99999/0"},
             {"redis://Pa55w0rd@host:notaport", "redis://****@host:notaport"},
             {"redis://huitou:Pa:55@w0rd@host/x", "redis://huitou:****@host/x"},
             {"http://huitou:Pa55w0rd@host", "http://huitou:****@host"},
             {"huitou:Pa55w0rd@host:6379", "huitou:****@host:6379"},
             {"redis://huitou:Pa55w0rd@/0", "redis://huitou:****@/0"}}) {
        INFO(url);
        CHECK_FALSE(parse_redis_url(url, &error));
        CHECK_THAT(error, Catch::StartsWith("Redis URL \"" + shown + "\": "));
        CHECK(error.find("Pa55") == std::string::npos);
        CHECK(error.find("w0rd") == std::string::npos);
        CHECK(mask_redis_url(url) == shown);
    }
    CHECK(mask_redis_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0");
    CHECK(mask_redis_url("unix:///run/redis.sock?db=1") == "unix:///run/redis.sock?db=1");
}

TEST_CASE("a Redis Cluster URL lists seed nodes") {
    auto ep = parse_redis_url("redis+cluster://10.0.0.1:7000,10.0.0.2,redis-c:7002");
    REQUIRE(ep);
    REQUIRE(ep->is_cluster());
    CHECK(ep->cluster ==
          std::vector<RedisNodeAddress>{{"10.0.0.1", 7000}, {"10.0.0.2", 6379}, {"redis-c", 7002}});
    CHECK(ep->host == "10.0.0.1");  // the first seed, for code that names one host
    CHECK(ep->port == 7000);
    CHECK(ep->describe() == "redis+cluster://10.0.0.1:7000,10.0.0.2:6379,redis-c:7002");

    ep = parse_redis_url("redis+cluster://huitou:pw@h:7000/0");
    REQUIRE(ep);
    CHECK(ep->user == "huitou");
    CHECK(ep->password == "pw");
    CHECK(ep->cluster == std::vector<RedisNodeAddress>{{"h", 7000}});
    CHECK(ep->describe() == "redis+cluster://h:7000");  // never the password

    // A single-node URL is not a cluster.
    CHECK_FALSE(parse_redis_url("redis://h:7000")->is_cluster());

    std::string error;
    for (const auto& [url, why] : std::vector<std::pair<std::string, std::string>>{
             {"redis+cluster://h:7000/1", "only database 0"},
             {"redis+cluster://h:7000,,h:7001", "missing host"},
             {"redis+cluster://h:7000,", "missing host"},
             {"redis+cluster://", "missing host"},
             {"redis+cluster://h:7000,h:70001", "bad port"},
             {"redis+cluster://huitou:Pa55w0rd@h:x", "bad port"},
             {"rediss+cluster://h:7000", "expected redis://, redis+cluster:// or unix://"}}) {
        INFO(url);
        CHECK_FALSE(parse_redis_url(url, &error));
        CHECK_THAT(error, Catch::EndsWith(why));
        CHECK(error.find("Pa55") == std::string::npos);
    }
}
