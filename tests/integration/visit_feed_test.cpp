// The live visit feed on real sockets: the scheduler's ZeroMQ PULL socket and
// the admin server's POST /api/visits, each bound on a free loopback port.
#include <catch2/catch.hpp>

#include <cstdlib>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/visit_wire.h"
#include "io/visit_store.h"
#include "io/zmq_frames.h"
#include "scheduler/admin_server.h"
#include "scheduler/scheduler.h"
#include "scheduler/visit_http.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

Config feed_config() {
    return parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
visits = "tcp://127.0.0.1:*"
[admin]
listen = "127.0.0.1:0"
token_env = "HUITOU_TEST_ADMIN_TOKEN"
[stores.ktv]
name = "欢唱KTV"
)",
                        "feed.toml");
}

}  // namespace

TEST_CASE(
    "visits on the scheduler's ZeroMQ feed are recorded, malformed ones dropped and "
    "counted") {
    TestRedis server;
    const Config config = feed_config();
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock(*parse_instant("2027-09-15T20:00:00+08:00"));
    zmq::context_t zmq;
    auto redis = server.connect();
    Scheduler scheduler(config, templates, redis, zmq, clock);
    CHECK(scheduler.visits_endpoint().empty());  // --once never listens
    scheduler.listen_for_visits();
    REQUIRE_THAT(scheduler.visits_endpoint(), Catch::StartsWith("tcp://127.0.0.1:"));

    zmq::socket_t pos(zmq, zmq::socket_type::push);
    pos.connect(scheduler.visits_endpoint());
    REQUIRE(eventually([&] {
        return send_frames(pos,
                           encode_visit({"ktv", "K1", "2027-09-15T19:30:00+08:00", "88", "POS-1"}));
    }));
    send_frames(pos, encode_visit({"ktv", "K2", "", "", ""}));  // no time: now
    send_frames(pos, {"huitou.visit/1", "{broken"});
    send_frames(pos, {"huitou.visit/1"});
    send_frames(pos, {"huitou.job/1", "{}"});
    send_frames(pos, encode_visit({"karaoke", "K1", "", "", ""}));  // no such store
    send_frames(pos, encode_visit({"ktv", "K1", "2028-01-01T00:00:00+08:00", "", ""}));  // future
    send_frames(pos, encode_visit({"ktv", "K1", "2027-09-15T19:30:00+08:00", "88", "POS-1"}));

    REQUIRE(eventually([&] {
        scheduler.handle_results(10ms);  // the poll wakes on visits too
        scheduler.handle_visits();
        return scheduler.stats().visits + scheduler.stats().bad_visits == 8;
    }));
    CHECK(scheduler.stats().visits == 3);
    CHECK(scheduler.stats().bad_visits == 5);
    VisitStore visits(redis, config);
    const auto k1 = visits.state("ktv", "K1");
    REQUIRE(k1);
    CHECK(k1->visits == 1);  // the second POS-1 was the same visit
    CHECK(k1->history.at(0).amount_cents == 8800);
    CHECK(visits.state("ktv", "K2")->last == clock.now());
}

TEST_CASE("visits posted to the admin server over HTTP") {
    TestRedis server;
    const Config config = feed_config();
    FixedClock clock(*parse_instant("2027-09-15T20:00:00+08:00"));
    VisitHttpHandler handler(config, server.endpoint(), clock);
    ::setenv("HUITOU_TEST_ADMIN_TOKEN", "s3cret", 1);
    AdminServer admin(config.admin, read_admin_token(config.admin));
    admin.on_post("/api/visits", std::ref(handler));
    admin.start();
    REQUIRE(admin.port() > 0);
    httplib::Client http("127.0.0.1", admin.port());
    http.set_connection_timeout(5);
    const httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
    const std::string body =
        R"({"store":"ktv","member_id":"K1","visited_at":"2027-09-15 19:30","amount":128.5})";

    SECTION("health needs no token") {
        const auto r = http.Get("/healthz");
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    SECTION("without the token: 401") {
        auto r = http.Post("/api/visits", body, "application/json");
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
        r = http.Post("/api/visits", {{"Authorization", "Bearer s3cre"}}, body, "application/json");
        CHECK(r->status == 401);
        auto redis = server.connect();
        CHECK_FALSE(VisitStore(redis, config).state("ktv", "K1"));
    }
    SECTION("a visit: 200 with what it changed; again: 200, nothing changed") {
        auto r = http.Post("/api/visits", auth, body, "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        auto reply = nlohmann::json::parse(r->body);
        CHECK(reply["outcome"] == "latest");
        CHECK(reply["member_known"] == false);
        CHECK(reply["state"] == "active");
        CHECK(reply["lapse_date"] == "2027-10-31");  // one visit: 30 days × 1.5
        CHECK(reply["cycle_days"].dump() == "30");
        r = http.Post("/api/visits", auth, body, "application/json");
        CHECK(nlohmann::json::parse(r->body)["outcome"] == "duplicate");
        auto redis = server.connect();
        CHECK(VisitStore(redis, config).state("ktv", "K1")->history.at(0).amount_cents == 12850);
    }
    SECTION("a malformed or refused visit: 400 with the reason") {
        auto r = http.Post("/api/visits", auth, "{broken", "application/json");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(nlohmann::json::parse(r->body)["error"] == "body is not valid JSON");
        r = http.Post("/api/visits", auth, R"({"store":"ktv","member_id":"K1","amount":"-5"})",
                      "application/json");
        CHECK(r->status == 400);
        CHECK_THAT(nlohmann::json::parse(r->body)["error"].get<std::string>(),
                   Catch::Contains("amount \"-5\""));
        r = http.Post("/api/visits", auth, std::string(100 * 1024, ' '), "application/json");
        CHECK(r->status == 413);
        CHECK(handler.rejected() == 2);
    }
    SECTION("Redis away: 503, and fine again once it is back") {
        server.stop();
        auto r = http.Post("/api/visits", auth, body, "application/json");
        REQUIRE(r);
        CHECK(r->status == 503);
        server.start();
        r = http.Post("/api/visits", auth, body, "application/json");
        CHECK(r->status == 200);
    }
    admin.stop();
    CHECK_FALSE(http.Get("/healthz"));
}
