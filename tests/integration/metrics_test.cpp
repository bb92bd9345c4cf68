// /metrics, /healthz and /readyz of a running scheduler and worker: the values
// after a small run, and the text checked by Prometheus' own linter.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include <httplib.h>

#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

// The sum of the samples of `name` whose labels contain every one of `labels`
// (e.g. {"store=\"toyland\"", "outcome=\"sent\""}).
double sum_of(const std::string& text, const std::string& name,
              const std::vector<std::string>& labels = {}) {
    double sum = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const auto end = line.find_first_of("{ ");
        if (line.substr(0, end) != name) continue;
        const auto space = line.rfind(' ');
        const auto series = line.substr(0, space);
        if (std::all_of(labels.begin(), labels.end(),
                        [&](const auto& l) { return series.find(l) != std::string::npos; })) {
            sum += std::stod(line.substr(space + 1));
        }
    }
    return sum;
}

std::string scrape(int port, const std::string& path = "/metrics") {
    httplib::Client http("127.0.0.1", port);
    const auto r = http.Get(path.c_str());
    return r && r->status == 200 ? r->body : std::string{};
}

int status_of(int port, const std::string& path) {
    httplib::Client http("127.0.0.1", port);
    const auto r = http.Get(path.c_str());
    return r ? r->status : 0;
}

// promtool's verdict on `text`: "" when it passes.
std::string promtool_problems(const TempDir& dir, const std::string& name,
                              const std::string& text) {
    // ./test.sh installs promtool: without it the metrics would go unchecked.
    if (run({"/bin/sh", "-c", "command -v promtool"}).status != 0)
        return "promtool not found (Debian package prometheus, tools/install-deps.sh test)";
    write_file(dir.file(name), text);
    const auto r = run({"/bin/sh", "-c", "promtool check metrics < " + dir.file(name)});
    return r.status == 0 ? std::string{}
                         : "status " + std::to_string(r.status) + ": " + r.out + r.err;
}

}  // namespace

TEST_CASE("a running scheduler and worker serve metrics, health and readiness") {
    TestRedis server;
    TempDir dir;
    const auto port = [] { return std::to_string(free_port()); };
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-09-15T14:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn",
                                       // A running clock: jobs that found no worker yet come
                                       // back after retry_delay_seconds.
                                       "HUITOU_CLOCK_RATE=1"};
    const std::vector<std::string> endpoints{"--set", "endpoints.sms=tcp://127.0.0.1:" + port(),
                                             "--set", "endpoints.wechat=tcp://127.0.0.1:" + port(),
                                             "--set", "endpoints.results=tcp://127.0.0.1:" + port(),
                                             "--set", "endpoints.visits=tcp://127.0.0.1:" + port(),
                                             "--set", "scheduler.retry_delay_seconds=1",
                                             // Due at once, not spread over the window.
                                             "--set", "store_defaults.policy.spread_minutes=0"};
    auto args = [&](const std::string& program, std::vector<std::string> extra) {
        std::vector<std::string> a{bin(program)};
        a.insert(a.end(), endpoints.begin(), endpoints.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    REQUIRE(run({bin("huitou"), "import", source("demo/members.csv")}, env).status == 0);

    const int sms_port = free_port();
    const int scheduler_port = free_port();
    // A rate on the SMS account, so the worker asks it before each send.
    Process sms(args("huitou-sms", {"--outbox", dir.file("sms.jsonl"), "--set",
                                    "sms.admin_listen=127.0.0.1:" + std::to_string(sms_port),
                                    "--set", "sms.rate_per_second=100"}),
                env, dir.file("sms.log"));
    Process wechat(args("huitou-wechat", {"--outbox", dir.file("wechat.jsonl")}), env,
                   dir.file("wechat.log"));
    // Alive, but not ready while no scheduler is there to take jobs from.
    REQUIRE(eventually([&] { return status_of(sms_port, "/healthz") == 200; }));
    CHECK(status_of(sms_port, "/readyz") == 503);

    Process scheduler(args("huitou-scheduler",
                           {"--set", "admin.listen=127.0.0.1:" + std::to_string(scheduler_port)}),
                      env, dir.file("scheduler.log"));
    REQUIRE(eventually([&] { return status_of(scheduler_port, "/healthz") == 200; }));
    CHECK(status_of(scheduler_port, "/readyz") == 200);
    CHECK(eventually([&] { return status_of(sms_port, "/readyz") == 200; }));

    // The day's jobs go out; the scheduler records every result.
    std::string metrics;
    const bool done = eventually(
        [&] {
            metrics = scrape(scheduler_port);
            const double dispatched = sum_of(metrics, "huitou_jobs_dispatched_total");
            return dispatched > 0 && sum_of(metrics, "huitou_job_results_total") == dispatched &&
                   sum_of(metrics, "huitou_jobs_scheduled") == 0 &&
                   sum_of(metrics, "huitou_jobs_inflight") == 0;
        },
        20s);
    INFO(metrics);
    INFO(read_file(dir.file("scheduler.log")));
    REQUIRE(done);
    const auto lines = [&](const std::string& file) {
        const auto text = read_file(dir.file(file));
        return static_cast<double>(std::count(text.begin(), text.end(), '\n'));
    };
    const double sms_sent = lines("sms.jsonl");
    const double wechat_sent = lines("wechat.jsonl");
    CHECK(sms_sent > 0);
    CHECK(sum_of(metrics, "huitou_jobs_planned_total") ==
          sum_of(metrics, "huitou_jobs_dispatched_total"));
    CHECK(sum_of(metrics, "huitou_job_results_total", {"outcome=\"sent\"", "channel=\"sms\""}) ==
          sms_sent);
    CHECK(sum_of(metrics, "huitou_job_results_total", {"outcome=\"sent\"", "channel=\"wechat\""}) ==
          wechat_sent);
    CHECK(sum_of(metrics, "huitou_jobs_dispatched_total",
                 {"store=\"toyland\"", "kind=\"birthday\""}) > 0);
    CHECK(sum_of(metrics, "huitou_jobs_inflight") == 0);
    CHECK(sum_of(metrics, "huitou_redis_up") == 1);
    CHECK(sum_of(metrics, "huitou_bad_messages_total") == 0);
    CHECK(promtool_problems(dir, "scheduler.prom", metrics).empty());

    const auto worker_metrics = scrape(sms_port);
    INFO(worker_metrics);
    CHECK(sum_of(worker_metrics, "huitou_worker_results_total", {"outcome=\"sent\""}) == sms_sent);
    CHECK(sum_of(worker_metrics, "huitou_provider_latency_seconds_count",
                 {"provider=\"outbox\"", "channel=\"sms\""}) == sms_sent);
    CHECK(sum_of(worker_metrics, "huitou_provider_latency_seconds_bucket", {"le=\"+Inf\""}) ==
          sms_sent);
    CHECK(sum_of(worker_metrics, "huitou_worker_messages_received_total") == sms_sent);
    // Every send asked the account's rate at least once.
    CHECK(sum_of(worker_metrics, "huitou_worker_rate_asks_total", {"channel=\"sms\""}) >= sms_sent);
    CHECK(worker_metrics.find("# TYPE huitou_worker_rate_decisions_late_total counter") !=
          std::string::npos);
    CHECK(promtool_problems(dir, "worker.prom", worker_metrics).empty());

    SECTION("readiness follows Redis, health does not") {
        server.stop();
        CHECK(eventually([&] { return status_of(scheduler_port, "/readyz") == 503; }));
        CHECK(eventually([&] { return status_of(sms_port, "/readyz") == 503; }));
        CHECK(status_of(scheduler_port, "/healthz") == 200);
        CHECK(status_of(sms_port, "/healthz") == 200);
        CHECK(sum_of(scrape(scheduler_port), "huitou_redis_up") == 0);
    }
}
