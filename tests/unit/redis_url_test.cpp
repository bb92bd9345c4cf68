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
