// `huitou jobs` filters and `huitou dlq` as an operator runs them.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "io/redis_keys.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

TEST_CASE("huitou jobs lists by state, member and date — huitou dlq retries failed jobs") {
    TestRedis server;
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T14:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn"};
    auto huitou = [&](std::vector<std::string> args) {
        args.insert(args.begin(), bin("huitou"));
        return run(args, env);
    };
    REQUIRE(huitou({"import", source("demo/members.csv")}).status == 0);
    // Plans the day; no worker is running, so every job stays planned. At
    // 14:00 with no spread every job is due now (at 12:00, in the lunch
    // break, none was, and --once had nothing left undispatched). On day
    // sheets each was claimed (its record `d`) and handed back: a hash.
    const std::string storage = GENERATE(as<std::string>{}, "hashes", "sheets");
    INFO("scheduler.job_storage = " << storage);
    const auto once =
        run({bin("huitou-scheduler"), "--once", "--set", "scheduler.once_wait_seconds=1", "--set",
             "scheduler.job_storage=" + storage, "--set", "store_defaults.policy.spread_minutes=0",
             "--set", "endpoints.sms=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
             "endpoints.wechat=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
             "endpoints.results=tcp://127.0.0.1:" + std::to_string(free_port())},
            env);
    REQUIRE(once.status == 3);

    auto r = huitou({"jobs", "--state", "planned", "--member", "T0001", "--json"});
    REQUIRE(r.status == 0);
    const auto jobs = nlohmann::json::parse(r.out);
    REQUIRE(!jobs.empty());
    for (const auto& j : jobs) {
        CHECK(j["member_id"] == "T0001");
        CHECK(j["state"] == "planned");
        CHECK(j["to"].get<std::string>().find("****") != std::string::npos);
    }
    const std::string store = jobs[0]["store"], id = jobs[0]["id"];
    // Every job of hers once, whatever holds it.
    r = huitou({"jobs", "--member", "T0001", "--json"});
    REQUIRE(r.status == 0);
    std::set<std::string> ids;
    for (const auto& j : nlohmann::json::parse(r.out))
        CHECK(ids.insert(j["store"].get<std::string>() + " " + j["id"].get<std::string>()).second);
    CHECK(ids.size() == jobs.size());
    CHECK(huitou({"jobs", "--date", "1999-01-01"}).status == 3);
    CHECK(huitou({"jobs", "--state", "bogus"}).status == 2);
    r = huitou({"jobs", "--json"});
    CHECK(nlohmann::json::parse(r.out)[store]["planned"] > 0);

    CHECK(huitou({"dlq"}).status == 3);  // nothing failed yet
    auto redis = server.connect();
    redis.command(
        {"HSET", keys::job(only_shard(store), id), "state", "failed", "error", "invalid number"});
    redis.command({"ZREM", keys::due(only_shard(store)), id});
    redis.command({"HINCRBY", keys::counts(only_shard(store)), "planned", "-1"});
    redis.command({"HINCRBY", keys::counts(only_shard(store)), "failed", "1"});

    r = huitou({"dlq"});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains(id) && Catch::Contains("invalid number"));
    r = huitou({"dlq", "--retry", id});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("planned again 1, not retried 0"));
    CHECK(redis.command({"HGET", keys::job(only_shard(store), id), "state"}).str == "planned");
    CHECK(redis.command({"ZSCORE", keys::due(only_shard(store)), id}).type ==
          RedisReply::Type::string);
    CHECK(huitou({"dlq"}).status == 3);
    r = huitou({"dlq", "--retry", "birthday:nobody:2027-09-15"});
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("no failed job with this id"));
}
