// ZeroMQ CURVE between the programs: with [curve] configured, jobs flow to a
// worker whose key the scheduler allows, and a worker with another key gets
// nothing.
#include <catch2/catch.hpp>

#include <algorithm>

#include <httplib.h>

#include "io/curve.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

TEST_CASE("with CURVE on, only workers with an allowed key receive jobs") {
    TestRedis server;
    TempDir dir;
    const auto port = [] { return std::to_string(free_port()); };
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T14:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn",
                                       // A running clock: jobs that found no worker yet come
                                       // back after retry_delay_seconds.
                                       "HUITOU_CLOCK_RATE=1"};
    REQUIRE(run({bin("huitou"), "import", source("demo/members.csv")}, env).status == 0);

    const auto scheduler_keys = generate_curve_key_pair();
    const auto allowed = generate_curve_key_pair();
    const auto stranger = generate_curve_key_pair();
    write_file(dir.file("scheduler.key"), scheduler_keys.secret_key + "\n");
    write_file(dir.file("allowed.key"), allowed.secret_key + "\n");
    write_file(dir.file("stranger.key"), stranger.secret_key + "\n");

    std::vector<std::string> common{
        "--set", "endpoints.sms=tcp://127.0.0.1:" + port(),
        "--set", "endpoints.wechat=tcp://127.0.0.1:" + port(),
        "--set", "endpoints.results=tcp://127.0.0.1:" + port(),
        "--set", "endpoints.visits=tcp://127.0.0.1:" + port(),
        "--set", "scheduler.retry_delay_seconds=1",
        "--set", "admin.listen=",
        "--set", "store_defaults.policy.spread_minutes=0",  // due at once, not spread
        "--set", "curve.server_public_key=\"" + scheduler_keys.public_key + "\""};
    auto args = [&](const std::string& program, std::vector<std::string> extra) {
        std::vector<std::string> a{bin(program)};
        a.insert(a.end(), common.begin(), common.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    auto worker = [&](const CurveKeyPair& keys, const std::string& key_file,
                      const std::string& outbox, int admin_port) {
        return Process(
            args("huitou-sms", {"--outbox", dir.file(outbox), "--set",
                                "curve.client_public_key=\"" + keys.public_key + "\"", "--set",
                                "curve.client_secret_key_file=" + key_file, "--set",
                                "sms.admin_listen=127.0.0.1:" + std::to_string(admin_port)}),
            env, dir.file(outbox + ".log"));
    };
    const auto ready = [](int port) {
        httplib::Client http("127.0.0.1", port);
        const auto r = http.Get("/readyz");
        return r && r->status == 200;
    };
    const int intruder_port = free_port(), good_port = free_port();
    const auto lines = [&](const std::string& file) {
        const auto text = read_file(dir.file(file));
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    };

    Process scheduler(args("huitou-scheduler",
                           {"--set", "curve.server_secret_key_file=" + dir.file("scheduler.key"),
                            "--set", "curve.allowed_clients=[\"" + allowed.public_key + "\"]"}),
                      env, dir.file("scheduler.log"));
    auto intruder = worker(stranger, dir.file("stranger.key"), "stranger.jsonl", intruder_port);
    // The scheduler's ZAP handler refuses the stranger's handshake.
    REQUIRE(eventually([&] {
        return read_file(dir.file("scheduler.log")).find("refused a ZeroMQ connection") !=
               std::string::npos;
    }));

    auto good = worker(allowed, dir.file("allowed.key"), "allowed.jsonl", good_port);
    const bool delivered = eventually([&] { return lines("allowed.jsonl") > 0; }, 20s);
    // Shown only if it fails: what the programs said.
    INFO("scheduler log:\n" << read_file(dir.file("scheduler.log")));
    INFO("allowed worker log:\n" << read_file(dir.file("allowed.jsonl.log")));
    REQUIRE(delivered);
    CHECK(lines("stranger.jsonl") == 0);
    CHECK(good.running());
    CHECK(intruder.running());
    // Connected over TCP but never through the handshake: not ready.
    CHECK(eventually([&] { return ready(good_port); }));
    CHECK_FALSE(ready(intruder_port));

    SECTION("a worker whose secret key is missing stops with a config error") {
        const auto r =
            run(args("huitou-sms", {"--outbox", dir.file("x.jsonl"), "--set",
                                    "curve.client_public_key=\"" + allowed.public_key + "\"",
                                    "--set", "curve.client_secret_key_env=NO_SUCH_VAR"}),
                env);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("NO_SUCH_VAR"));
        CHECK_THAT(r.err, Catch::Contains("curve.client_secret_key_env"));
    }
}
