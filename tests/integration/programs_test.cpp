// The four programs as a user runs them: separate processes, a real Redis,
// real sockets on free ports, the outbox provider, the README's commands.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>

#include <nlohmann/json.hpp>

#include <httplib.h>

#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

struct Programs {
    TestRedis server;
    TempDir dir;
    std::vector<std::string> env;

    Programs() {
        const auto port = [] { return std::to_string(free_port()); };
        env = {"HUITOU_REDIS_URL=" + server.url(), "HUITOU_NOW=2027-09-15T15:00:00+08:00",
               "HUITOU_LOG_LEVEL=warn"};
        endpoints = {"--set", "endpoints.sms=tcp://127.0.0.1:" + port(),
                     "--set", "endpoints.wechat=tcp://127.0.0.1:" + port(),
                     "--set", "endpoints.results=tcp://127.0.0.1:" + port(),
                     "--set", "scheduler.once_wait_seconds=20"};
    }

    std::vector<std::string> endpoints;

    std::vector<std::string> args(const std::string& program, std::vector<std::string> extra) {
        std::vector<std::string> a{bin(program)};
        a.insert(a.end(), endpoints.begin(), endpoints.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }

    Process worker(const std::string& program, const std::string& outbox) {
        return Process(args(program, {"--outbox", dir.file(outbox)}), env,
                       dir.file(program + ".log"));
    }

    // The day planned as the daemon plans it, just after midnight: the
    // greetings are spread over the morning's window (10:00-12:00), so by
    // 15:00 (HUITOU_NOW) every one of them is due.
    void plan_at_midnight() {
        const auto r =
            run(args("huitou-scheduler", {"--once", "--now", "2027-09-15T00:00:05+08:00"}), env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        REQUIRE_THAT(r.out, Catch::Contains("dispatched 0"));
    }

    std::size_t lines(const std::string& file) {
        const auto text = read_file(dir.file(file));
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    }
};

}  // namespace

TEST_CASE_METHOD(Programs, "huitou import reports bad rows by line and imports the rest") {
    write_file(dir.file("m.csv"),
               "member_id,store,name,birthday,phone,sms_optin\r\n"
               "T1,toyland,王芳,1990-09-15,13800138001,1\r\n"
               "T2,toyland,李强,1990-09-31,13800138002,1\r\n"
               "T3,toyland,张伟,--09-15,13800138003,1\r\n"
               "T4,nowhere,赵六,--09-15,13800138004,1\r\n");
    auto r = run({bin("huitou"), "import", dir.file("m.csv")}, env);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("line 3: warning: birthday \"1990-09-31\" is not a real "
                                      "date; left out"));
    CHECK_THAT(r.err, Catch::Contains("line 5: store \"nowhere\" is not in the config"));
    CHECK_THAT(r.out, Catch::Contains("imported 3 of 4 rows: 3 new, 0 updated, 0 unchanged; 1 "
                                      "rejected; 1 with fields left out"));

    r = run({bin("huitou"), "import", dir.file("m.csv")}, env);
    CHECK_THAT(r.out, Catch::Contains("3 unchanged"));

    r = run({bin("huitou"), "import", dir.file("missing.csv")}, env);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot open"));

    r = run({bin("huitou"), "member", "toyland", "T1"}, env);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("+8613800138001"));
}

TEST_CASE_METHOD(Programs, "scheduler --once sends today's greetings through both workers") {
    auto r = run({bin("huitou"), "import", source("demo/members.csv")}, env);
    REQUIRE(r.status == 0);
    auto sms = worker("huitou-sms", "sms.jsonl");
    auto wechat = worker("huitou-wechat", "wechat.jsonl");

    plan_at_midnight();
    r = run(args("huitou-scheduler", {"--once"}), env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("without result 0"));
    const auto sent = lines("sms.jsonl") + lines("wechat.jsonl");
    CHECK(sent > 0);
    CHECK(lines("wechat.jsonl") > 0);
    const auto first = nlohmann::json::parse(
        read_file(dir.file("sms.jsonl")).substr(0, read_file(dir.file("sms.jsonl")).find('\n')));
    for (const char* key :
         {"job_id", "store", "member_id", "kind", "channel", "to", "text", "sent_at"}) {
        CHECK(first.contains(key));
    }

    SECTION("a second run sends nothing again") {
        r = run(args("huitou-scheduler", {"--once"}), env);
        CHECK(r.status == 0);
        CHECK_THAT(r.out, Catch::Contains("planned 0, dispatched 0"));
        CHECK(lines("sms.jsonl") + lines("wechat.jsonl") == sent);
    }
    SECTION("workers stop cleanly on SIGTERM") {
        CHECK(sms.stop() == 0);
        CHECK(wechat.stop() == 0);
    }
    r = run({bin("huitou"), "jobs"}, env);
    CHECK_THAT(r.out, Catch::Contains("toyland  sent"));
}

TEST_CASE_METHOD(Programs, "scheduler --once without workers waits, bounded, and says so") {
    REQUIRE(run({bin("huitou"), "import", source("demo/members.csv")}, env).status == 0);
    plan_at_midnight();
    const auto r =
        run(args("huitou-scheduler", {"--once", "--set", "scheduler.once_wait_seconds=1"}), env);
    CHECK(r.status == 3);
    CHECK_THAT(r.out, Catch::Contains("dispatched 0"));
}

TEST_CASE_METHOD(Programs, "programs refuse a bad config with one clear line") {
    write_file(dir.file("bad.toml"),
               "[stores.toyland]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n");
    for (const char* program : {"huitou-scheduler", "huitou-sms", "huitou-wechat"}) {
        const auto r = run({bin(program), "--config", dir.file("bad.toml")}, env);
        CHECK(r.status == 2);
        CHECK_THAT(r.err,
                   Catch::Contains("stores.toyland.timezone: unknown time zone \"Mars/Olympus\""));
    }
    const auto r = run({bin("huitou-scheduler"), "--now", "2027-09-15 10:00"}, env);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("--now"));
}

TEST_CASE_METHOD(Programs, "huitou calendar converts dates and lists festivals") {
    auto convert = [&](const std::string& date) {
        return run({bin("huitou"), "calendar", "convert", date}, {});
    };
    auto r = convert("2027-09-15");
    CHECK(r.status == 0);
    CHECK(r.out == "lunar:2027-08-15\n");
    CHECK(convert("lunar:2027-08-15").out == "2027-09-15\n");
    CHECK(convert("lunar:2023-leap02-10").out == "2023-03-31\n");
    CHECK(convert("2023-03-31").out == "lunar:2023-leap02-10\n");
    CHECK(convert("2027-02-05").out == "lunar:2026-12-29\n");  // before 春节: the year before
    for (const auto& [date, says] : std::vector<std::pair<std::string, std::string>>{
             {"lunar:2027-08-30",
              "lunar:2027-08-30 does not exist: the 8th month of lunar 2027 "
              "has 29 days"},
             {"lunar:2027-leap02-10", "lunar 2027 has no leap 2nd month"},
             {"2100-01-01", "2100-01-01 is outside the lunar calendar's range"},
             {"lunar:2100-01-01", "is outside the lunar calendar's range"},
             {"2027-02-30", "is not a date"},
             {"lunar:2027-8-15", "is not a lunar date"}}) {
        r = convert(date);
        INFO(date);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, Catch::Contains(says));
    }

    r = run({bin("huitou"), "calendar", "holidays", "2027"}, {});
    CHECK(r.status == 0);
    CHECK_THAT(r.out,
               Catch::Contains("2027-02-05 new_years_eve 除夕\n2027-02-06 spring_festival 春节\n"));
    CHECK_THAT(r.out, Catch::Contains("2027-04-05 qingming 清明节\n"));
    CHECK_THAT(r.out, Catch::Contains("2027-09-15 mid_autumn 中秋节\n"));
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 16);
    r = run({bin("huitou"), "calendar", "holidays", "2027", "--store", "toyland"}, {});
    CHECK(r.status == 0);
    CHECK(r.out.find("qingming") == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("2027-10-08 double_ninth 重阳节"));
    CHECK(run({bin("huitou"), "calendar", "holidays", "2100"}, {}).status == 2);
    CHECK(run({bin("huitou"), "calendar", "holidays", "2027", "--store", "nowhere"}, {}).status ==
          2);
}

TEST_CASE_METHOD(Programs, "huitou-sms takes Aliyun's pushed receipts behind the secret",
                 "[receipts]") {
    const int port = free_port();
    write_file(dir.file("aliyun.toml"), R"([stores.toyland]
name = "童乐玩具"
[sms]
provider = "aliyun"
[sms.aliyun]
access_key_id = "testId"
access_key_secret_env = "ALIYUN_SECRET"
receipts = "push"
[sms.receipts]
listen = "127.0.0.1:)" + std::to_string(port) +
                                            R"("
callback_secret_env = "RECEIPTS_SECRET"
)");
    auto with = env;
    with.push_back("ALIYUN_SECRET=testSecret");
    // Pushed receipts without the secret configured: refused at start, one line.
    const auto r = run(args("huitou-sms", {"--config", dir.file("aliyun.toml")}), with, 30s);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("sms.receipts.callback_secret"));

    with.push_back("RECEIPTS_SECRET=rcpt-5e1d0c9b8a7f6e5d");
    Process sms(args("huitou-sms", {"--config", dir.file("aliyun.toml")}), with,
                dir.file("huitou-sms.log"));
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(1);
    REQUIRE(eventually(
        [&] { return static_cast<bool>(client.Post("/aliyun/report", "[]", "application/json")); },
        20s));
    const auto forged = client.Post("/aliyun/report", "[]", "application/json");
    REQUIRE(forged);
    CHECK(forged->status == 403);
    const auto ok =
        client.Post("/aliyun/report?key=rcpt-5e1d0c9b8a7f6e5d", "[]", "application/json");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(nlohmann::json::parse(ok->body) == nlohmann::json{{"code", 0}, {"msg", "成功"}});
    CHECK(sms.stop() == 0);
}
