// The visit commands and the scheduler's live feed as a user runs them:
// separate processes, a real Redis, sockets on free ports.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/visit_wire.h"
#include "io/zmq_frames.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

struct VisitPrograms {
    TestRedis server;
    TempDir dir;
    std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                 "HUITOU_NOW=2027-09-15T12:00:00+08:00", "HUITOU_LOG_LEVEL=warn"};

    RunResult huitou(std::vector<std::string> args) {
        args.insert(args.begin(), bin("huitou"));
        return run(args, env);
    }
};

}  // namespace

TEST_CASE_METHOD(VisitPrograms,
                 "huitou import-visits reports bad rows by line, imports the rest, "
                 "and imports nothing twice") {
    write_file(dir.file("v.csv"),
               "member_id,store,visited_at,amount,note\r\n"
               "T0007,toyland,2027-07-01 19:00,100,\r\n"
               "T0007,toyland,2027-07-05T19:00:00+08:00,,\r\n"
               "T0007,toyland,2027/07/20,,\r\n"
               "T0007,toyland,2027-07-20,12.345,\r\n"
               "T0007,toyland,2027-07-20,,first time\r\n"
               "T0007,toyland,2027-08-09,128.50,\r\n"
               "X9,nostore,2027-08-09,,\r\n"
               "T0007,toyland,2027-10-01,,\r\n");
    REQUIRE(huitou({"import", source("demo/members.csv")}).status == 0);
    auto r = huitou({"import-visits", dir.file("v.csv")});
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("note: ignoring columns note"));
    CHECK_THAT(r.err, Catch::Contains("line 4: visited_at \"2027/07/20\" is not a time"));
    CHECK_THAT(r.err, Catch::Contains("line 5: amount \"12.345\" has more than two decimals"));
    CHECK_THAT(r.err, Catch::Contains("line 8: store \"nostore\" is not in the config"));
    CHECK_THAT(r.err,
               Catch::Contains("line 9: visited_at 2027-10-01T00:00:00+08:00 is in the future"));
    CHECK_THAT(r.out, Catch::Contains("imported 4 of 8 rows: 4 latest, 0 earlier, 0 already "
                                      "recorded; 4 rejected"));

    r = huitou({"import-visits", dir.file("v.csv")});
    CHECK_THAT(r.out, Catch::Contains("imported 4 of 8 rows: 0 latest, 0 earlier, 4 already "
                                      "recorded; 4 rejected"));

    r = huitou({"visits", "toyland", "T0007"});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("cycle        15 days (learned from the visits)"));
    CHECK_THAT(r.out, Catch::Contains("last visit   2027-08-09T00:00:00+08:00"));

    SECTION("a file or header that cannot be used: status 2") {
        CHECK(huitou({"import-visits", dir.file("missing.csv")}).status == 2);
        write_file(dir.file("h.csv"), "member,when\nT1,2027-01-01\n");
        r = huitou({"import-visits", dir.file("h.csv")});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("no member_id column"));
    }
}

TEST_CASE_METHOD(VisitPrograms, "huitou visit records one visit, huitou stats counts by state") {
    REQUIRE(huitou({"import", source("demo/members.csv")}).status == 0);
    auto r = huitou({"visit", "T0001", "--store", "toyland", "--at", "2027-09-15 10:00", "--amount",
                     "59.9", "--id", "R-1"});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("recorded, the latest visit"));
    CHECK_THAT(r.out, Catch::Contains("cycle 30 days; lapses on 2027-10-31"));
    r = huitou({"visit", "T0001", "--store", "toyland", "--at", "2027-09-15 10:00", "--id", "R-1"});
    CHECK_THAT(r.out, Catch::Contains("already recorded, nothing changed"));
    r = huitou({"visit", "Z1", "--store", "toyland"});
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::Contains("Z1 is not in the member list"));
    CHECK(huitou({"visit", "T0001", "--store", "toyland", "--amount", "x"}).status == 3);

    r = huitou({"stats", "--json"});
    REQUIRE(r.status == 0);
    const auto stats = nlohmann::json::parse(r.out);
    CHECK(stats["toyland"]["active"] == 2);
    CHECK(stats["toyland"]["came_back"] == 0);
    CHECK(stats["toyland"]["visits"] == 2);
    CHECK(stats["babycare"]["active"] == 0);
    r = huitou({"stats", "--store", "toyland"});
    CHECK_THAT(r.out, Catch::Contains("came back"));
    CHECK_THAT(r.out, Catch::StartsWith("store"));
    CHECK(huitou({"stats", "--store", "nostore"}).status == 2);
}

TEST_CASE_METHOD(VisitPrograms,
                 "the scheduler daemon takes visits from a POS over ZeroMQ and "
                 "HTTP") {
    const int http_port = free_port();
    const std::string visits = "tcp://127.0.0.1:" + std::to_string(free_port());
    std::vector<std::string> args{bin("huitou-scheduler")};
    for (const auto& endpoint : {"sms", "wechat", "results"}) {
        args.insert(args.end(), {"--set", std::string("endpoints.") + endpoint +
                                              "=tcp://127.0.0.1:" + std::to_string(free_port())});
    }
    args.insert(args.end(), {"--set", "endpoints.visits=" + visits, "--set",
                             "admin.listen=127.0.0.1:" + std::to_string(http_port)});
    auto daemon_env = env;
    daemon_env.back() = "HUITOU_LOG_LEVEL=info";
    daemon_env.push_back("HUITOU_ADMIN_TOKEN=t0k3n");
    Process scheduler(args, daemon_env, dir.file("scheduler.log"));
    httplib::Client http("127.0.0.1", http_port);
    REQUIRE(eventually([&] {
        const auto r = http.Get("/healthz");
        return r && r->status == 200;
    }));

    auto r =
        http.Post("/api/visits", R"({"store":"toyland","member_id":"T0003"})", "application/json");
    CHECK(r->status == 401);
    r = http.Post("/api/visits", {{"Authorization", "Bearer t0k3n"}},
                  R"({"store":"toyland","member_id":"T0003","visited_at":"2027-09-14 20:00"})",
                  "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);

    zmq::context_t zmq;
    zmq::socket_t pos(zmq, zmq::socket_type::push);
    pos.connect(visits);
    REQUIRE(eventually([&] {
        return send_frames(pos, encode_visit({"toyland", "T0004", "", "", ""}));
    }));
    CHECK(eventually([&] { return huitou({"visits", "toyland", "T0004"}).status == 0; }));
    CHECK(huitou({"visits", "toyland", "T0003"}).status == 0);
    CHECK(scheduler.stop() == 0);
    CHECK_THAT(read_file(dir.file("scheduler.log")),
               Catch::Contains("1 visits recorded from the feed"));
}
