// Redis refusing a request (a script error, WRONGTYPE on damaged data) is not
// an outage: nothing waits for Redis to "come back", the refusal is said with
// the request and the reply, and it costs only what it is about — one job
// (worker_test.cpp), one store's step here.
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "io/job_store.h"
#include "io/redis_keys.h"
#include "io/zmq_frames.h"
#include "scheduler/admin_api.h"
#include "scheduler/consent_http.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"
#include "workers/kannel_listener.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

Job notice(const std::string& store, const std::string& member, SysSeconds due) {
    Job j;
    j.store = store;
    j.kind = Kind::card_expiry;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.to = "+8613800138000";
    j.text = "会员卡即将到期";
    j.marketing = false;  // a service notice: no member hash needed for consent
    j.due_at = due;
    j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    return j;
}

}  // namespace

TEST_CASE("a server that is not ready (LOADING, BUSY) is an outage, not a refusal") {
    // After a restart Redis answers LOADING until its data is read; in a long
    // script, BUSY. Neither says anything about the request: a job must wait,
    // not fail (the crash test once failed 24 jobs on LOADING).
    TestRedis server;
    auto admin = server.connect();
    admin.command({"CONFIG", "SET", "busy-reply-threshold", "50"}).expect_ok("CONFIG SET");
    std::thread busy([&server] {
        auto c = server.connect();
        // About a second of work in one script: the server is busy meanwhile.
        c.command({"EVAL",
                   "local t = redis.call('TIME'); local s = tonumber(t[1]) * 1000000 + t[2] "
                   "repeat local n = redis.call('TIME') until tonumber(n[1]) * 1000000 + n[2] - s "
                   "> 1000000",
                   "0"});
    });
    std::this_thread::sleep_for(300ms);
    auto c = server.connect();
    CHECK_THROWS_AS(c.command({"GET", "k"}), RedisError);
    busy.join();
    // And once the server is ready again, the connection serves as before.
    c.reconnect();
    CHECK(c.command({"PING"}).str == "PONG");
}

TEST_CASE("a store whose data Redis refuses does not stop the other stores") {
    TestRedis server;
    const Config config = parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
visits = ""
[admin]
listen = ""
[scheduler]
retry_delay_seconds = 1
[store_defaults.policy]
send_windows = ["00:00-24:00"]
[stores.a_damaged]
name = "甲"
[stores.b_fine]
name = "乙"
)",
                                       "refusal.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock(*parse_instant("2027-09-15T10:00:00+08:00"));
    zmq::context_t zmq;
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    jobs.create({notice("a_damaged", "A1", clock.now()), notice("b_fine", "B1", clock.now()),
                 notice("b_fine", "B2", clock.now())});
    // Store a's due set is damaged: a string where a sorted set belongs.
    redis.command({"DEL", keys::due(only_shard("a_damaged"))});
    redis.command({"SET", keys::due(only_shard("a_damaged")), "not a sorted set"});

    Scheduler scheduler(config, templates, redis, zmq, clock);
    zmq::socket_t worker(zmq, zmq::socket_type::pull);
    worker.connect(scheduler.job_endpoint(Channel::sms));
    std::size_t received = 0;
    REQUIRE(eventually([&] {
        // A push before the worker's connection is up is handed back for a
        // second later: the clock moves a second a turn.
        clock.advance(1s);
        scheduler.requeue_overdue(clock.now());
        scheduler.dispatch_due(clock.now());
        while (receive_frames(worker))
            ++received;
        return received == 2;
    }));
    CHECK(jobs.counts("b_fine").at("dispatched") == 2);
    CHECK_THAT(scheduler.metrics().registry().render(),
               Catch::Contains("huitou_redis_refusals_total{request=\"claim_due\"}"));
    CHECK(redis.reconnects() == 0);
}

namespace {

// Collects what spdlog's default logger says while it lives.
class LogCapture {
  public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    std::string text() {
        spdlog::default_logger()->flush();
        return out_.str();
    }

  private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("HTTP handlers answer Redis refusing a request with a logged 500, not a 503") {
    TestRedis server;
    const Config config = parse_config("[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
    FixedClock clock(*parse_instant("2027-09-15T12:00:00+08:00"));
    auto redis = server.connect();
    // Damaged data: the opt-out list and a member are strings, so the scripts
    // and commands on them get WRONGTYPE.
    redis.command({"SET", keys::opt_outs(only_shard("toyland"), "sms"), "damaged"});
    redis.command({"SET", keys::member(only_shard("toyland"), "T0001"), "damaged"});
    LogCapture log;

    SECTION("POST /api/consent") {
        ConsentHttpHandler handler(config, server.endpoint(), clock, true);
        const auto reply = handler(
            R"({"store":"toyland","channel":"sms","event":"opt_out","source":"api","address":"13800138000"})");
        CHECK(reply.status == 500);
        CHECK_THAT(nlohmann::json::parse(reply.body).at("error").get<std::string>(),
                   Catch::StartsWith("storage refused the request"));
        CHECK_THAT(log.text(), Catch::Contains("Redis refused record_consent"));
        CHECK_THAT(log.text(), Catch::Contains("WRONGTYPE"));
    }

    SECTION("GET /api/consent") {
        const TemplateSet templates = TemplateSet::load(config, nullptr);
        AdminApi api(config, templates, server.endpoint(), clock);
        HttpRequest req;
        req.query["member"] = "T0001";
        const auto reply = api.consent(req);
        CHECK(reply.status == 500);
        CHECK_THAT(log.text(), Catch::Contains("consent over HTTP: Redis refused"));
    }

    SECTION("Kannel's reply callback") {
        const std::string secret = "0123456789abcdef0123";
        KannelListener listener(config, server.endpoint(), clock, "127.0.0.1:0", secret);
        httplib::Client http("127.0.0.1", listener.port());
        const auto r = http.Get(
            ("/kannel/mo?key=" + secret + "&from=%2B8613800138000&to=1069001&text=T").c_str());
        REQUIRE(r);
        CHECK(r->status == 500);
        CHECK_FALSE(r->has_header("EXCEPTION_WHAT"));
        CHECK_THAT(log.text(), Catch::Contains("not recorded: Redis refused record_consent"));
    }
}
