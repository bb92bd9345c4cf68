// bench/rate_limit — how exactly N worker processes share one provider rate.
//
// A private redis-server; a backlog of jobs due now; the real Scheduler in
// this process dispatching over TCP; --workers forked processes each running
// the real Worker with a provider that only notes the instant (CLOCK_REALTIME,
// µs) it was called. All share the account limit rate_per_second /
// rate_burst through scripts/gcra.lua. At the end: the most sends in any
// sliding one-second window (must be ≤ rate + burst) and the utilisation,
// (sent − 1 − burst) / (rate × (last − first)): 1.0 means the limit was used
// to the last microsecond after the initial burst.
//
//   build/bin/bench_rate_limit [--workers 4] [--rate 200] [--burst 10] [--jobs 3000]
//                              [--guard-ms 10] [--redis URL]
// Without --redis it starts its own redis-server (the tests' TestRedis).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "bench/bench_redis.h"
#include "io/job_store.h"
#include "io/program_setup.h"
#include "io/redis_keys.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"
#include "workers/worker.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

long long now_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// The provider: notes when it was called.
struct TimingSender final : Sender {
    std::vector<long long> calls;
    std::string_view name() const override { return "timing"; }
    SendResult send(const JobMessage& job, SysSeconds) override {
        calls.push_back(now_us());
        return {Outcome::sent, job.job_id, {}, std::nullopt};
    }
};

std::size_t max_in_window(std::vector<long long> t, long long window_us) {
    std::sort(t.begin(), t.end());
    std::size_t best = 0, lo = 0;
    for (std::size_t hi = 0; hi < t.size(); ++hi) {
        while (t[hi] - t[lo] >= window_us)
            ++lo;
        best = std::max(best, hi - lo + 1);
    }
    return best;
}

int run_worker(const Config& config, const RedisEndpoint& redis_endpoint, int index,
               const std::string& out_path) {
    install_stop_signals();
    RedisConnection redis(redis_endpoint);
    zmq::context_t zmq;
    SystemClock clock;
    TimingSender sender;
    Worker worker(Channel::sms, config, sender, redis, zmq, clock, "bench-" + std::to_string(index),
                  config.endpoints.sms, config.endpoints.results);
    worker.run();
    std::ofstream out(out_path);
    for (const auto t : sender.calls)
        out << t << "\n";
    std::ofstream(out_path + ".asks")
        << worker.stats().rate_asks << " " << worker.stats().late_decisions << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_rate_limit: N worker processes sharing one provider rate"};
    int workers = 4, rate = 200, burst = 10, jobs_count = 3000, guard_ms = 10;
    app.add_option("--workers", workers)->check(CLI::Range(1, 64));
    app.add_option("--rate", rate)->check(CLI::Range(1, 100000));
    app.add_option("--burst", burst)->check(CLI::Range(0, 100000));
    app.add_option("--jobs", jobs_count)->check(CLI::Range(1, 1000000));
    app.add_option("--guard-ms", guard_ms, "sms.rate_guard_ms")->check(CLI::Range(0, 1000));
    std::string redis_url;
    app.add_option("--redis", redis_url, "Use this Redis (emptied of store bench's jobs)");
    int bound = -1;
    app.add_option("--bound", bound,
                   "Most calls allowed in any sliding second (default: rate + burst); a "
                   "tighter one checks that an over-limit run fails")
        ->check(CLI::Range(1, 200000));
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);

    std::optional<test::TestRedis> own_server;
    RedisEndpoint redis_endpoint;
    if (redis_url.empty()) {
        own_server.emplace();
        redis_endpoint = own_server->endpoint();
    } else if (const auto e = parse_redis_url(redis_url)) {
        redis_endpoint = *e;
    } else {
        std::cerr << "bench_rate_limit: --redis: not a Redis URL\n";
        return 2;
    }
    auto connect = [&] { return RedisConnection(redis_endpoint); };
    test::TempDir dir;
    const auto port = [] { return std::to_string(test::free_port()); };
    const std::string toml = "[endpoints]\nsms = \"tcp://127.0.0.1:" + port() +
                             "\"\nwechat = \"tcp://127.0.0.1:" + port() +
                             "\"\nresults = \"tcp://127.0.0.1:" + port() +
                             "\"\n[scheduler]\nretry_delay_seconds = 1\n"
                             "[stores.bench]\nname = \"压测店\"\nchannels = [\"sms\"]\n"
                             // Any hour: the default windows would hold every job until 09:00.
                             "[stores.bench.policy]\nsend_windows = [\"00:00-24:00\"]\n"
                             "[sms]\nrate_per_second = " +
                             std::to_string(rate) + "\nrate_burst = " + std::to_string(burst) +
                             "\nrate_guard_ms = " + std::to_string(guard_ms) + "\n";
    const Config config = parse_config(toml, "bench.toml");

    // The backlog: jobs due now, to distinct numbers.
    const SysSeconds start =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    {
        RedisConnection redis = connect();
        bench::clear_jobs(redis, "bench");
        redis.command({"DEL", "hu:rate:{" + config.sms.account() + "}"}).expect_ok("DEL");
        JobStore store(redis, config.scheduler);
        // Each job's member, with SMS consent: claim_due checks consent again
        // at dispatch, and without it every job ends cancelled (no_consent).
        std::vector<RedisCommand> members;
        std::vector<Job> backlog;
        for (int i = 0; i < jobs_count; ++i) {
            Job j;
            j.store = "bench";
            j.kind = Kind::birthday;
            j.member_id = "B" + std::to_string(i);
            j.occasion_date = local_date(start, date::locate_zone("Asia/Shanghai"));
            j.id = make_job_id(j.kind, j.member_id, j.occasion_date);
            j.channel = Channel::sms;
            j.to = "+86138" + std::to_string(10000000 + i);
            j.text = "生日快乐";
            j.due_at = start;
            j.expires_at = start + 24h;
            j.created_at = start;
            members.push_back({"HSET", keys::member(only_shard(j.store), j.member_id), "name",
                               "压测", "phone", j.to, "sms_optin", "1", "wechat_optin", "0"});
            backlog.push_back(std::move(j));
        }
        for (const auto& r : redis.pipeline(members))
            r.expect_ok("HSET member");
        store.create(backlog);
    }

    // Workers first: fork before this process opens any ZeroMQ context.
    std::vector<pid_t> children;
    for (int i = 0; i < workers; ++i) {
        const pid_t pid = fork();
        if (pid == 0)
            _exit(run_worker(config, redis_endpoint, i,
                             dir.file("worker" + std::to_string(i) + ".txt")));
        children.push_back(pid);
    }

    RedisConnection redis = connect();
    zmq::context_t zmq;
    SystemClock clock;
    TemplateSet templates = TemplateSet::load(config, nullptr);
    Scheduler scheduler(config, templates, redis, zmq, clock);
    JobStore store(redis, config.scheduler);
    const auto wall_start = std::chrono::steady_clock::now();
    for (;;) {
        const auto now = clock.now();
        scheduler.dispatch_due(now);
        scheduler.handle_results(20ms);
        const auto counts = store.counts("bench");
        const auto sent = counts.contains("sent") ? counts.at("sent") : 0;
        if (sent >= jobs_count) break;
        if (std::chrono::steady_clock::now() - wall_start >
            std::chrono::seconds(jobs_count / rate + 120)) {
            // On stdout too: the report must not show a run that sent nothing as a result.
            std::printf("bench: GAVE UP with %lld of %d sent\n", static_cast<long long>(sent),
                        jobs_count);
            break;
        }
    }
    for (const pid_t pid : children)
        kill(pid, SIGTERM);
    for (const pid_t pid : children)
        waitpid(pid, nullptr, 0);

    std::vector<long long> calls;
    std::vector<std::size_t> per_worker;
    std::size_t asks = 0, late = 0;
    for (int i = 0; i < workers; ++i) {
        const std::string file = dir.file("worker" + std::to_string(i) + ".txt");
        std::ifstream in(file);
        std::size_t n = 0;
        for (long long t; in >> t; ++n)
            calls.push_back(t);
        per_worker.push_back(n);
        std::size_t a = 0, l = 0;
        if (std::ifstream(file + ".asks") >> a >> l) {
            asks += a;
            late += l;
        }
    }
    std::sort(calls.begin(), calls.end());
    const auto counts = store.counts("bench");
    const double span = calls.size() > 1 ? (calls.back() - calls.front()) / 1e6 : 0;
    const std::size_t window = max_in_window(calls, 1000000);
    // The same after the first second: where the start's burst is left out,
    // the busiest second shows what the workers' waiting does in steady state.
    std::vector<long long> later;
    if (!calls.empty())
        for (const auto t : calls)
            if (t >= calls.front() + 1000000) later.push_back(t);  // sorted: front() is the first
    const std::size_t window_later = max_in_window(later, 1000000);
    const double utilisation =
        span > 0 ? (static_cast<double>(calls.size()) - 1 - burst) / (rate * span) : 0;
    std::printf("workers %d, limit %d/s + burst %d (guard %d ms), backlog %d jobs\n", workers, rate,
                burst, guard_ms, jobs_count);
    std::printf("provider calls: %zu (per worker:", calls.size());
    for (const auto n : per_worker)
        std::printf(" %zu", n);
    std::printf("); jobs sent: %lld\n", counts.contains("sent") ? counts.at("sent") : 0);
    std::printf("first to last call: %.3f s\n", span);
    // Each ask is one gcra.lua call: the Redis load the waiting costs.
    std::printf(
        "account rate asks: %zu (%.2f a provider call)\n", asks,
        calls.empty() ? 0.0 : static_cast<double>(asks) / static_cast<double>(calls.size()));
    std::printf("account decisions too late to use (asked again): %zu\n", late);
    if (bound < 0) bound = rate + burst;
    std::printf(
        "most calls in any sliding 1 s window: %zu (bound: %d); after the first second: "
        "%zu\n",
        window, bound, window_later);
    std::printf("utilisation (calls - 1 - burst) / (rate x span): %.4f\n", utilisation);
    // The verdict is the exit status (ctest reads it): over the bound, or
    // not every job sent (exactly once a call), is a failure.
    const long long sent = counts.contains("sent") ? counts.at("sent") : 0;
    bool ok = true;
    if (window > static_cast<std::size_t>(bound)) {
        std::printf("FAILED: %zu calls in one second, over the bound of %d\n", window, bound);
        ok = false;
    }
    if (sent != jobs_count || calls.size() != static_cast<std::size_t>(jobs_count)) {
        std::printf("FAILED: %lld of %d jobs sent in %zu provider calls\n", sent, jobs_count,
                    calls.size());
        ok = false;
    }
    return ok ? 0 : 1;
}
