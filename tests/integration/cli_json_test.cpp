// The `huitou` tool as a script uses it: --json where a script reads the
// answer, exit statuses as docs/operations.md lists them, and stderr free of
// progress lines when it is not a terminal.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

nlohmann::json json_of(const RunResult& r) {
    INFO(r.out);
    INFO(r.err);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("huitou exit statuses: 0 ok, 1 Redis away, 2 usage or config, 3 rejected or not found") {
    TempDir dir;
    const std::vector<std::string> no_redis{"HUITOU_REDIS_URL=redis://127.0.0.1:1/0",
                                            "HUITOU_LOG_LEVEL=warn"};
    CHECK(run({bin("huitou"), "--help"}).status == 0);
    // CLI11's own codes (105-116) are not what we promise: every usage error is 2.
    CHECK(run({bin("huitou")}).status == 2);
    CHECK(run({bin("huitou"), "import"}).status == 2);
    CHECK(run({bin("huitou"), "jobs", "--no-such-option"}).status == 2);
    CHECK(run({bin("huitou"), "import", "x.csv", "--batch", "0"}).status == 2);
    CHECK(run({bin("huitou-scheduler"), "--no-such-option"}).status == 2);
    CHECK(run({bin("huitou-scheduler"), "--help"}).status == 0);
    CHECK(run({bin("huitou-sms"), "--no-such-option"}).status == 2);
    // Redis unreachable.
    const auto away = run({bin("huitou"), "jobs"}, no_redis);
    CHECK(away.status == 1);
    CHECK_THAT(away.err, Catch::StartsWith("huitou: "));
    CHECK(run({bin("huitou"), "stats", "--json"}, no_redis).status == 1);
    // A config that does not load.
    write_file(dir.file("bad.toml"), "[stores.x]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n");
    CHECK(run({bin("huitou"), "--config", dir.file("bad.toml"), "check-config"}).status == 2);

    TestRedis server;
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T12:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn"};
    write_file(dir.file("m.csv"),
               "member_id,store,name,birthday,phone,sms_optin\n"
               "T1,toyland,王芳,1990-09-15,13800138001,1\n"
               "T2,toyland,李强,1990-09-31,13800138002,1\n");
    CHECK(run({bin("huitou"), "import", dir.file("m.csv")}, env).status == 3);  // a bad row
    CHECK(run({bin("huitou"), "member", "toyland", "T9"}, env).status == 3);    // not found
    CHECK(run({bin("huitou"), "member", "toyland", "T1"}, env).status == 0);
}

TEST_CASE("huitou --json answers for scripts") {
    TestRedis server;
    TempDir dir;
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T12:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn"};
    auto huitou = [&](std::vector<std::string> args) {
        args.insert(args.begin(), bin("huitou"));
        return run(args, env);
    };

    SECTION("import and import-visits summaries; no progress line when stderr is not a terminal") {
        write_file(dir.file("m.csv"),
                   "member_id,store,name,birthday,phone,sms_optin\n"
                   "T1,toyland,王芳,1990-09-15,13800138001,1\n"
                   "T2,toyland,李强,1990-09-31,13800138002,1\n");
        auto r = huitou({"import", dir.file("m.csv"), "--json"});
        CHECK(r.status == 3);
        const auto j = json_of(r);
        CHECK(j.at("rows") == 2);
        // A bad birthday is left out of T2, who is imported (a warning, exit 3).
        CHECK(j.at("created") == 2);
        CHECK(j.at("rejected") == 0);
        CHECK(j.at("warned") == 1);
        CHECK_THAT(r.err, Catch::Contains("line 3: warning: "));

        r = huitou({"import", source("demo/members.csv")});
        CHECK(r.status == 0);
        CHECK(r.err.find('\r') == std::string::npos);
        CHECK(r.err.find("rows/s") == std::string::npos);

        r = huitou({"import-visits", source("demo/visits.csv"), "--json"});
        CHECK(r.status == 0);
        const auto v = json_of(r);
        CHECK(v.at("rows").get<int>() > 0);
        CHECK(v.at("rejected") == 0);
        CHECK(v.at("imported") == v.at("rows"));
        CHECK(r.err.find("rows/s") == std::string::npos);

        r = huitou({"visits", "toyland", "T0007", "--json"});
        CHECK(r.status == 0);
        const auto s = json_of(r);
        CHECK(s.at("member_id") == "T0007");
        CHECK(s.at("history").size() > 1);

        r = huitou({"visit", "T0001", "--store", "toyland", "--at", "2027-09-15 10:00", "--json"});
        CHECK(r.status == 0);
        CHECK(json_of(r).at("outcome") == "latest");
    }

    SECTION("member, check-config and the calendar") {
        REQUIRE(huitou({"import", source("demo/members.csv")}).status == 0);
        auto r = huitou({"member", "toyland", "T0001", "--json"});
        CHECK(r.status == 0);
        const auto m = json_of(r);
        CHECK(m.at("member_id") == "T0001");
        CHECK(m.at("name") == "王芳");

        r = huitou({"check-config", "--json"});
        CHECK(r.status == 0);
        CHECK(json_of(r).at("ok") == true);
        write_file(dir.file("bad.toml"), "[stores.x]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n");
        r = huitou({"--config", dir.file("bad.toml"), "check-config", "--json"});
        CHECK(r.status == 2);
        CHECK(json_of(r).at("ok") == false);
        CHECK_THAT(json_of(r).at("error").get<std::string>(), Catch::Contains("Mars/Olympus"));

        r = huitou({"calendar", "convert", "2027-09-15", "--json"});
        CHECK(r.status == 0);
        CHECK(json_of(r) == nlohmann::json{{"solar", "2027-09-15"}, {"lunar", "lunar:2027-08-15"}});
        r = huitou({"calendar", "holidays", "2027", "--json"});
        CHECK(r.status == 0);
        bool mid_autumn = false;
        for (const auto& d : json_of(r))
            mid_autumn |= d.at("key") == "mid_autumn" && d.at("date") == "2027-09-15";
        CHECK(mid_autumn);
    }
}
