// The admin API's read routes on a real admin server and a real Redis, with
// the demo's members planned for 2027-09-15: every route answers real data,
// the same JSON as the `huitou` tool's --json, and changes nothing; missing
// tokens, bad parameters and unknown jobs get JSON errors naming what is wrong.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "io/consent_store.h"
#include "io/program_setup.h"
#include "io/sheet_store.h"
#include "scheduler/admin_api.h"
#include "scheduler/admin_server.h"
#include "scheduler/consent_http.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

const char* kNow = "2027-09-15T12:00:00+08:00";

nlohmann::json body_of(const httplib::Result& r) {
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->get_header_value("Content-Type") == "application/json");
    return nlohmann::json::parse(r->body);
}

std::string error_of(const httplib::Result& r) {
    return body_of(r).at("error").get<std::string>();
}

}  // namespace

TEST_CASE("the admin API serves preview, jobs, consent and stats as JSON") {
    TestRedis server;
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       std::string("HUITOU_NOW=") + kNow, "HUITOU_LOG_LEVEL=warn"};
    auto huitou = [&](std::vector<std::string> args) {
        args.insert(args.begin(), bin("huitou"));
        return run(args, env);
    };
    REQUIRE(huitou({"import", source("demo/members.csv")}).status == 0);
    // Plans the day; no worker runs, so the jobs stay planned: job hashes,
    // or on day sheets records (none is due at noon, in the lunch break).
    const std::string storage = GENERATE("hashes", "sheets");
    const bool sheets_store = storage == "sheets";
    INFO("scheduler.job_storage = " << storage);
    const auto once =
        run({bin("huitou-scheduler"), "--once", "--set", "scheduler.once_wait_seconds=1", "--set",
             "scheduler.job_storage=" + storage, "--set",
             "endpoints.sms=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
             "endpoints.wechat=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
             "endpoints.results=tcp://127.0.0.1:" + std::to_string(free_port())},
            env);
    INFO(once.out + once.err);
    REQUIRE((once.status == 0 || once.status == 3));

    // The embedded config, as the programs above read it.
    CommonOptions common;
    common.redis_url = server.url();
    common.now = kNow;
    Runtime rt = make_runtime(common);
    rt.config.admin.listen = "127.0.0.1:0";
    TempDir dir;
    write_file(dir.file("admin-token"), "s3cret\n");
    rt.config.admin.token.file = dir.file("admin-token");
    const TemplateSet templates = load_templates(rt.config);
    AdminApi api(rt.config, templates, rt.redis, *rt.clock);
    AdminServer admin(rt.config.admin, read_admin_token(rt.config.admin));
    ConsentHttpHandler consent_http(rt.config, rt.redis, *rt.clock, admin.has_token());
    api.add_to(admin);
    admin.on_post("/api/consent", std::ref(consent_http));
    admin.start();
    httplib::Client http("127.0.0.1", admin.port());
    http.set_connection_timeout(5);
    const httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
    auto get = [&](const std::string& path) { return http.Get(path.c_str(), auth); };
    auto redis = server.connect();

    SECTION("no token, or a wrong one: 401 as JSON") {
        for (const char* path : {"/api/preview?date=2027-09-15", "/api/jobs", "/api/stats"}) {
            auto r = http.Get(path);
            REQUIRE(r);
            CHECK(r->status == 401);
            CHECK_THAT(error_of(r), Catch::Contains("token"));
            r = http.Get(path, {{"Authorization", "Bearer s3cre"}});
            REQUIRE(r);
            CHECK(r->status == 401);
        }
    }

    SECTION("preview: the CLI's JSON for the same day, and nothing written") {
        const auto before = snapshot(redis);
        const auto r = get("/api/preview?date=2027-09-15");
        REQUIRE(r);
        CHECK(r->status == 200);
        const auto body = body_of(r);
        CHECK(snapshot(redis) == before);
        const auto cli = huitou({"preview", "--date", "2027-09-15", "--json"});
        REQUIRE(cli.status == 0);
        CHECK(body == nlohmann::json::parse(cli.out));
        CHECK(body.at("stores").size() == rt.config.stores.size());
        CHECK(!body.at("stores").at(0).at("messages").empty());

        const auto one = body_of(get("/api/preview?date=2027-09-15&store=toyland"));
        REQUIRE(one.at("stores").size() == 1);
        CHECK(one.at("stores").at(0).at("store") == "toyland");
        CHECK(snapshot(redis) == before);
    }

    SECTION("bad parameters: 400 naming the parameter") {
        for (const char* path : {"/api/preview?date=2027-13-01", "/api/preview",
                                 "/api/preview?date=tomorrow", "/api/jobs?date=15.09.2027"}) {
            INFO(path);
            const auto r = get(path);
            REQUIRE(r);
            CHECK(r->status == 400);
            CHECK_THAT(error_of(r), Catch::StartsWith("date:"));
        }
        auto r = get("/api/preview?date=2027-09-15&store=nowhere");
        CHECK(r->status == 400);
        CHECK_THAT(error_of(r), Catch::StartsWith("store:"));
        r = get("/api/jobs?state=lost");
        CHECK(r->status == 400);
        CHECK_THAT(error_of(r), Catch::StartsWith("state:"));
        r = get("/api/jobs?limit=0");
        CHECK(r->status == 400);
        CHECK_THAT(error_of(r), Catch::StartsWith("limit:"));
        r = get("/api/consent");
        CHECK(r->status == 400);
        CHECK_THAT(error_of(r), Catch::StartsWith("member:"));
    }

    SECTION("jobs: the CLI's listing; one job by id; 404 for an unknown id") {
        const auto r = get("/api/jobs?state=planned&member=T0001");
        REQUIRE(r);
        CHECK(r->status == 200);
        const auto body = body_of(r);
        const auto& jobs = body.at("jobs");
        REQUIRE(!jobs.empty());
        for (const auto& j : jobs) {
            CHECK(j.at("member_id") == "T0001");
            CHECK(j.at("state") == "planned");
            if (sheets_store) {
                // A record: the address and the words are the member's at dispatch.
                CHECK(j.at("to") == "");
                CHECK(j.at("text_note") == "(written at dispatch)");
            } else {
                CHECK_THAT(j.at("to").get<std::string>(), Catch::Contains("****"));
                CHECK_FALSE(j.contains("text_note"));
            }
        }
        const auto cli = huitou({"jobs", "--state", "planned", "--member", "T0001", "--json"});
        REQUIRE(cli.status == 0);
        CHECK(jobs == nlohmann::json::parse(cli.out));
        CHECK(body.at("matched") == jobs.size());
        CHECK(body.at("truncated") == false);

        const auto all = body_of(get("/api/jobs?date=2027-09-15&limit=10000"));
        REQUIRE(all.at("matched").get<std::size_t>() > 1);
        // The same list as the CLI's, by store then id, each job once.
        const auto cli_all = huitou({"jobs", "--date", "2027-09-15", "--json"});
        REQUIRE(cli_all.status == 0);
        CHECK(all.at("jobs") == nlohmann::json::parse(cli_all.out));
        std::set<std::string> ids;
        for (const auto& j : all.at("jobs")) {
            CHECK(j.at("date") == "2027-09-15");
            ids.insert(j.at("store").get<std::string>() + " " + j.at("id").get<std::string>());
        }
        CHECK(ids.size() == all.at("jobs").size());
        // By member alone: her jobs of every kind and day kept.
        const auto hers = body_of(get("/api/jobs?member=T0001"));
        CHECK(hers.at("matched").get<std::size_t>() >= jobs.size());
        for (const auto& j : hers.at("jobs"))
            CHECK(j.at("member_id") == "T0001");
        const auto first = body_of(get("/api/jobs?date=2027-09-15&limit=1"));
        CHECK(first.at("jobs").size() == 1);
        CHECK(first.at("truncated") == true);
        CHECK(body_of(get("/api/jobs?store=toyland&date=1999-01-01")).at("jobs").empty());

        const std::string id = jobs.at(0).at("id");
        const auto one = get("/api/jobs/" + id);
        REQUIRE(one);
        CHECK(one->status == 200);
        const auto job = body_of(one);
        CHECK(job.at("id") == id);
        CHECK(job.at("store") == "toyland");
        if (sheets_store) {
            CHECK(job.at("text") == "");
            CHECK(job.at("text_note") == "(written at dispatch)");
        } else {
            CHECK(!job.at("text").get<std::string>().empty());
        }
        CHECK(job.at("due").get<std::string>().starts_with("2027-09-15T"));

        const auto unknown = get("/api/jobs/birthday:NOBODY:2027-09-15");
        REQUIRE(unknown);
        CHECK(unknown->status == 404);
        CHECK_THAT(error_of(unknown), Catch::Contains("birthday:NOBODY:2027-09-15"));

        // A job planned as a record of its day's sheet (a layout-2 store)
        // has no text yet: the API says so rather than invent one.
        SheetStore sheets(redis);
        const Date day = *parse_date("2027-09-15");
        const SysSeconds start = *parse_instant("2027-09-15T00:00:00+08:00");
        Job record;
        record.store = "toyland";
        record.kind = Kind::birthday;
        record.member_id = "T9001";
        record.occasion_date = day;
        record.id = make_job_id(record.kind, record.member_id, day);
        record.due_at = start + std::chrono::hours(18);
        REQUIRE(sheets.plan("toyland", day, start, sheets.sheets_for_day("toyland", day, 10),
                            {record}) == 1);
        const auto planned = body_of(get("/api/jobs/" + record.id));
        CHECK(planned.at("state") == "planned");
        CHECK(planned.at("text") == "");
        CHECK(planned.at("text_note") == "(written at dispatch)");
        CHECK(planned.at("due") == "2027-09-15T18:00:00+08:00");
        CHECK(planned.at("expires") == "2027-09-16T00:00:00+08:00");
    }

    SECTION("consent: per channel and the ledger, as huitou consent --json") {
        const auto r = get("/api/consent?member=T0001");
        REQUIRE(r);
        CHECK(r->status == 200);
        const auto body = body_of(r);
        const auto& store = body.at("stores").at(0);
        CHECK(store.at("store") == "toyland");
        CHECK(store.at("channels").at("sms").at("greetings") == true);
        CHECK_THAT(store.at("channels").at("sms").at("address").get<std::string>(),
                   Catch::Contains("****"));
        CHECK(!store.at("ledger").empty());  // the import recorded the opt-ins
        const auto cli = huitou({"consent", "T0001", "--json"});
        REQUIRE(cli.status == 0);
        CHECK(body == nlohmann::json::parse(cli.out));

        const auto unknown = get("/api/consent?member=NOBODY");
        REQUIRE(unknown);
        CHECK(unknown->status == 404);
        CHECK_THAT(error_of(unknown), Catch::Contains("NOBODY"));
    }

    SECTION("stats: jobs by state and win-back per store") {
        const auto body = body_of(get("/api/stats"));
        const auto& toyland = body.at("stores").at("toyland");
        CHECK(toyland.at("jobs").at("planned").get<long long>() > 0);
        const auto cli = huitou({"stats", "--json"});
        REQUIRE(cli.status == 0);
        CHECK(toyland.at("winback") == nlohmann::json::parse(cli.out).at("toyland"));
        const auto counts = huitou({"jobs", "--json"});
        CHECK(toyland.at("jobs") == nlohmann::json::parse(counts.out).at("toyland"));
        CHECK(body_of(get("/api/stats?store=toyland")).at("stores").size() == 1);
    }

    SECTION("a wrong method is 405, an unknown path 404, both as JSON") {
        auto r = http.Post("/api/jobs", auth, "{}", "application/json");
        REQUIRE(r);
        CHECK(r->status == 405);
        CHECK(r->get_header_value("Allow") == "GET");
        CHECK_THAT(error_of(r), Catch::Contains("POST"));
        r = http.Delete("/api/consent", auth);
        REQUIRE(r);
        CHECK(r->status == 405);
        CHECK(r->get_header_value("Allow") == "GET, POST");
        r = get("/api/nothing");
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK_THAT(error_of(r), Catch::Contains("/api/nothing"));
    }
}

TEST_CASE("the admin token: never inline — none only on loopback, and then no opt-in over HTTP") {
    SECTION("an inline token is refused, naming the key and what to use") {
        try {
            parse_config("[admin]\ntoken = \"s3cret\"\n", "old.toml");
            FAIL("an inline admin.token was accepted");
        } catch (const ConfigError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("old.toml: admin.token: "));
            CHECK_THAT(e.what(), Catch::Contains("admin.token_file"));
            CHECK_THAT(e.what(), Catch::Contains("HUITOU_ADMIN_TOKEN"));
        }
        CHECK(parse_config("[admin]\ntoken = \"\"\n[stores.a]\nname = \"A\"\n", "t.toml")
                  .admin.token.empty());
    }

    SECTION("the token comes from a file, a named variable or HUITOU_ADMIN_TOKEN") {
        TempDir dir;
        write_file(dir.file("token"), "from-file\n");
        ::unsetenv("HUITOU_ADMIN_TOKEN");
        AdminConfig config;
        CHECK(read_admin_token(config).empty());
        ::setenv("HUITOU_ADMIN_TOKEN", "from-default-env", 1);
        CHECK(read_admin_token(config) == "from-default-env");
        config.token.file = dir.file("token");
        CHECK(read_admin_token(config) == "from-file");
        config.token = {"", "HUITOU_TEST_OTHER_TOKEN"};
        ::setenv("HUITOU_TEST_OTHER_TOKEN", "from-named-env", 1);
        CHECK(read_admin_token(config) == "from-named-env");
        ::unsetenv("HUITOU_TEST_OTHER_TOKEN");
        CHECK_THROWS_WITH(read_admin_token(config), Catch::Contains("admin.token_env"));
        config.token = {};
        ::setenv("HUITOU_ADMIN_TOKEN", "", 1);
        CHECK_THROWS_WITH(read_admin_token(config), Catch::Contains("HUITOU_ADMIN_TOKEN"));
        ::unsetenv("HUITOU_ADMIN_TOKEN");
    }

    SECTION("no token on a non-loopback address: the server does not start") {
        AdminConfig config;
        config.listen = "0.0.0.0:0";
        AdminServer exposed(config, "");
        CHECK_THROWS_WITH(exposed.start(),
                          Catch::StartsWith("admin.listen: 0.0.0.0:0 is not a "
                                            "loopback address and no admin token"));
        AdminServer with_token(config, "t0k3n");
        with_token.start();
        CHECK(with_token.port() > 0);
        config.listen = "127.0.0.1:0";
        AdminServer loopback(config, "");
        loopback.start();
        CHECK(loopback.port() > 0);
        CHECK_FALSE(loopback.has_token());
    }

    SECTION("on loopback without a token, POST /api/consent takes opt-outs, refuses opt-ins") {
        TestRedis server;
        const Config config = parse_config(
            "[admin]\nlisten = \"127.0.0.1:0\"\n[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
        FixedClock clock(*parse_instant(kNow));
        AdminServer admin(config.admin, "");
        ConsentHttpHandler consent_http(config, server.endpoint(), clock, admin.has_token());
        admin.on_post("/api/consent", std::ref(consent_http));
        admin.start();
        httplib::Client http("127.0.0.1", admin.port());
        const std::string out =
            R"({"store":"toyland","channel":"sms","event":"opt_out","source":"api","address":"13800138000"})";
        auto r = http.Post("/api/consent", out, "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        const std::string in =
            R"({"store":"toyland","channel":"sms","event":"opt_in","source":"api","address":"13800138000"})";
        r = http.Post("/api/consent", in, "application/json");
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK_THAT(error_of(r), Catch::Contains("admin token"));
        auto redis = server.connect();
        ConsentStore consent(redis, config);
        CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138000"));
        CHECK(consent.ledger("toyland").size() == 1);
    }

    SECTION("huitou-scheduler: an inline token or an exposed address without one, exit 2") {
        // Redis is never reached: both are refused before the daemon waits for it.
        ::unsetenv("HUITOU_ADMIN_TOKEN");
        const std::vector<std::string> env{"HUITOU_REDIS_URL=redis://127.0.0.1:1/0",
                                           "HUITOU_LOG_LEVEL=warn"};
        auto scheduler = [&](std::vector<std::string> args) {
            args.insert(args.begin(), bin("huitou-scheduler"));
            return run(args, env, std::chrono::seconds(20));
        };
        auto r = scheduler({"--set", "admin.token=s3cret"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err,
                   Catch::Contains("admin.token: the admin token is not read from the config"));
        r = scheduler({"--set", "admin.listen=0.0.0.0:" + std::to_string(free_port())});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("is not a loopback address and no admin token is set"));
    }
}
