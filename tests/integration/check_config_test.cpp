// `huitou check-config` refuses an SMS template that could go out too long
// or that holds a word its provider refuses, naming the template; and warns,
// passing still, when a store's `shards` is not its K in Redis.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "io/redis_keys.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

TEST_CASE("check-config names the SMS template it refuses") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("templates/zh-CN"));
    write_file(
        dir.file("templates/zh-CN/birthday.mustache"),
        "{{honorific}}，玉足坊美容会所祝您生日快乐！生日当月到店出示会员码，有份小礼物等您来取。");
    write_file(dir.file("huitou.toml"), "[templates]\ndir = \"" + dir.file("templates") +
                                            "\"\n[stores.spa]\nname = \"玉足坊\"\nsms_max_parts = "
                                            "1\n[sms]\nprovider = \"tencent\"\n");
    const auto r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "check-config"});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("zh-CN/birthday.mustache (store spa, birthday by SMS)") &&
                          Catch::Contains("2 SMS parts") && Catch::Contains("\"美容\"") &&
                          Catch::Contains("\"会所\""));
    // Within limits and through a provider without the list, the same text passes.
    write_file(dir.file("ok.toml"), "[templates]\ndir = \"" + dir.file("templates") +
                                        "\"\n[stores.spa]\nname = \"玉足坊\"\n");
    const auto ok = run({bin("huitou"), "--config", dir.file("ok.toml"), "check-config"});
    CHECK(ok.status == 0);
    CHECK_THAT(ok.out, Catch::Contains("OK"));
}

TEST_CASE("check-config warns when a store's shards is not its K in Redis, and passes") {
    TestRedis server;
    TempDir dir;
    write_file(dir.file("huitou.toml"),
               "[stores.toyland]\nname = \"童乐玩具\"\nshards = 3\n"  // Redis: no record, K 1
               "[stores.babycare]\nname = \"贝贝\"\n"                 // 1 and 1: nothing said
               "[stores.ktv]\nname = \"K歌\"\nshards = 2\n"           // a reshard to 2 under way
               "[stores.spa]\nname = \"玉足坊\"\nshards = 4\n");      // 4 and 4
    auto redis = server.connect();
    redis
        .command(
            {"HSET", keys::shard_record("ktv"), "k", "1", "hash", "1", "to", "2", "phase", "copy"})
        .expect_ok("HSET ktv");
    redis.command({"HSET", keys::shard_record("spa"), "k", "4", "hash", "1"}).expect_ok("HSET spa");
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(), "HUITOU_LOG_LEVEL=warn"};
    const std::vector<std::string> check{bin("huitou"), "--config", dir.file("huitou.toml"),
                                         "check-config"};

    auto r = run(check, env);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("OK (4 stores; saved templates checked; shards checked "
                                      "against Redis, 2 warnings)"));
    CHECK_THAT(r.err, Catch::Contains("huitou: warning: store toyland: the config says 3 shards, "
                                      "Redis 1 (hu:{toyland}:shards): run `huitou reshard --store "
                                      "toyland --shards 3`"));
    CHECK_THAT(r.err, Catch::Contains("huitou: warning: store ktv: a reshard from 1 to 2 shards is "
                                      "under way (hu:{ktv}:shards, phase copy)"));
    CHECK_THAT(r.err, !Catch::Contains("babycare") && !Catch::Contains("spa"));

    SECTION("--json: the same warnings in an array") {
        auto args = check;
        args.push_back("--json");
        const auto j = run(args, env);
        CHECK(j.status == 0);
        const auto answer = nlohmann::json::parse(j.out);
        CHECK(answer.at("ok") == true);
        CHECK(answer.at("shards") == "shards checked against Redis");
        REQUIRE(answer.at("warnings").size() == 2);
        CHECK_THAT(answer.at("warnings")[0].get<std::string>(),
                   Catch::StartsWith("store ktv: a reshard from 1 to 2 shards"));
        CHECK_THAT(answer.at("warnings")[1].get<std::string>(),
                   Catch::StartsWith("store toyland: the config says 3 shards, Redis 1"));
    }
    SECTION("a record this build cannot route by is said, and still passes") {
        redis.command({"HSET", keys::shard_record("babycare"), "k", "2", "hash", "7"})
            .expect_ok("HSET babycare");
        const auto bad = run(check, env);
        CHECK(bad.status == 0);
        CHECK_THAT(bad.err,
                   Catch::Contains("huitou: warning: store babycare: Redis refused HGETALL "
                                   "hu:{babycare}:shards: not a shard record"));
        CHECK_THAT(bad.out, Catch::Contains("3 warnings)"));
    }
    SECTION("Redis away: not compared, said, and still passes") {
        server.stop();
        const auto away = run(check, env);
        CHECK(away.status == 0);
        CHECK_THAT(away.out, Catch::Contains("shards not checked: Redis not reachable"));
        CHECK_THAT(away.err, !Catch::Contains("huitou: warning:"));
        auto args = check;
        args.push_back("--json");
        const auto j = nlohmann::json::parse(run(args, env).out);
        CHECK(j.at("warnings") == nlohmann::json::array());
        CHECK_THAT(j.at("shards").get<std::string>(),
                   Catch::StartsWith("shards not checked: Redis not reachable"));
    }
}
