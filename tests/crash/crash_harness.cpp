// crash_harness — issue 7's crash test: a day of jobs to the outbox provider
// while workers are SIGKILLed every few seconds, the scheduler is killed
// twice and redis-server (AOF everysec) is restarted once. At the end every
// job must be in a terminal state, the outbox must hold each sent job exactly
// once, the counts must add up, and nothing may be lost: no job `failed` or
// `expired`, and at most one `unknown` per worker SIGKILL (the job that was
// in its provider call when the worker died). Exit 0 when all of that holds,
// 1 when not, and a report either way.
//
// One program for both sizes: ctest runs it small (the "integration" label),
// tools/crash-test.sh runs it with 20,000 jobs. Everything runs on loopback,
// in a temporary directory, on one simulated clock at 60x real speed, so the
// ack timeout (600 simulated seconds) is 10 real seconds.
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/store_shards.h"
#include "io/redis_keys.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

struct Options {
    int jobs = 2000;
    int workers = 4;
    int rate = 80;          // the provider account's sends a second, all workers together
    double kill_every = 3;  // seconds between worker kills (randomised ±50%)
    int scheduler_kills = 2;
    int redis_restarts = 1;
    int timeout = 300;        // seconds for the whole run
    std::string keep;         // keep the work directory here
    std::string job_storage;  // scheduler.job_storage; empty: the config's default
    int shards = 1;           // the store over this many shards (docs/architecture.md)
};

struct Harness {
    Options o;
    TestRedis server{true};
    TempDir dir;
    std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(), "HUITOU_LOG_LEVEL=warn"};
    std::vector<std::string> common;
    std::mt19937_64 random{std::random_device{}()};
    int worker_starts = 0, scheduler_starts = 0;

    explicit Harness(Options options) : o(std::move(options)) {
        const auto anchor = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        const auto port = [] { return "tcp://127.0.0.1:" + std::to_string(free_port()); };
        common = {"--now", "2027-09-22T14:00:00+08:00", "--clock-rate", "60", "--clock-anchor",
                  std::to_string(anchor), "--set", "endpoints.sms=" + port(), "--set",
                  "endpoints.wechat=" + port(), "--set", "endpoints.results=" + port(), "--set",
                  "scheduler.ack_timeout_seconds=600", "--set", "scheduler.retry_delay_seconds=30",
                  "--set", "scheduler.lease_seconds=3",
                  // The whole day due at once, not spread over the window.
                  "--set", "store_defaults.policy.spread_minutes=0",
                  // Three seconds of sending in flight: well inside the ack timeout.
                  "--set", "scheduler.max_in_flight=" + std::to_string(std::max(50, o.rate * 3)),
                  "--set", "sms.rate_per_second=" + std::to_string(o.rate), "--set",
                  "sms.rate_burst=1"};
        if (!o.job_storage.empty()) {
            common.push_back("--set");
            common.push_back("scheduler.job_storage=" + o.job_storage);
        }
    }

    // The store's shards: one, or `shards` (hu:{toyland}:shards written
    // into the empty store before the import, as `huitou reshard` will; a
    // store over shards is on day sheets).
    std::vector<Shard> shards() const { return all_shards("toyland", o.shards); }

    void import_members() {
        if (o.shards > 1) {
            auto redis = server.connect();
            redis
                .command({"HSET", keys::shard_record("toyland"), "k", std::to_string(o.shards),
                          "hash", "1"})
                .expect_ok("HSET shards");
            redis.command({"SET", keys::jobs_version("toyland"), "2"}).expect_ok("SET jobs:v");
        }
        std::ostringstream csv;
        csv << "member_id,store,name,birthday,phone,sms_optin\n";
        for (int i = 0; i < o.jobs; ++i) {
            char line[128];
            // 138 + 8 digits: distinct valid mobile numbers.
            std::snprintf(line, sizeof line, "C%06d,toyland,会员%d,1990-09-22,138%08d,1\n", i, i,
                          10000000 + i);
            csv << line;
        }
        write_file(dir.file("members.csv"), csv.str());
        const auto r = run({bin("huitou"), "import", dir.file("members.csv")}, env, 600s);
        if (r.status != 0) throw std::runtime_error("import failed: " + r.err);
    }

    Process scheduler() {
        std::vector<std::string> a{bin("huitou-scheduler")};
        a.insert(a.end(), common.begin(), common.end());
        a.insert(a.end(), {"--set", "admin.listen=", "--set",
                           "endpoints.visits=tcp://127.0.0.1:" + std::to_string(free_port())});
        return Process(a, env,
                       dir.file("scheduler." + std::to_string(++scheduler_starts) + ".log"));
    }

    Process worker() {
        std::vector<std::string> a{bin("huitou-sms"), "--outbox", dir.file("outbox.jsonl")};
        a.insert(a.end(), common.begin(), common.end());
        return Process(a, env, dir.file("sms." + std::to_string(++worker_starts) + ".log"));
    }

    // The jobs by state, summed over the store's shards.
    std::map<std::string, long long> counts() {
        auto redis = server.connect();
        std::map<std::string, long long> out;
        for (const auto& shard : shards()) {
            const auto reply = redis.command({"HGETALL", keys::counts(shard)});
            for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
                out[reply.elements[i].str] += std::stoll(reply.elements[i + 1].str);
        }
        return out;
    }

    bool all_terminal() {
        try {
            const auto c = counts();
            const auto get = [&](const char* k) { return c.contains(k) ? c.at(k) : 0; };
            return get("planned") == 0 && get("dispatched") == 0 &&
                   get("sent") + get("delivered") + get("failed") + get("expired") +
                           get("cancelled") + get("unknown") ==
                       o.jobs;
        } catch (const RedisError&) {
            return false;  // Redis is restarting
        }
    }

    double seconds_between(double mean) {
        return std::uniform_real_distribution<double>(mean * 0.5, mean * 1.5)(random);
    }
};

void pause_for(std::chrono::milliseconds d) {
    const auto until = Steady::now() + d;
    while (Steady::now() < until) {
        timespec ts{0, 20'000'000};
        nanosleep(&ts, nullptr);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"crash_harness: issue 7's crash test on loopback"};
    app.add_option("--jobs", o.jobs, "Jobs in the day (one birthday greeting each)");
    app.add_option("--workers", o.workers, "SMS workers running at a time");
    app.add_option("--rate", o.rate, "The account's sends a second, all workers together");
    app.add_option("--kill-every", o.kill_every, "Mean seconds between worker kills");
    app.add_option("--scheduler-kills", o.scheduler_kills, "Times the scheduler is SIGKILLed");
    app.add_option("--redis-restarts", o.redis_restarts, "Times redis-server is restarted");
    app.add_option("--timeout", o.timeout, "Give up after this many seconds");
    app.add_option("--keep", o.keep, "Copy the logs and outbox here at the end");
    app.add_option("--job-storage", o.job_storage,
                   "Where planned jobs live: hashes or sheets (default: the config's default)")
        ->check(CLI::IsMember({"hashes", "sheets"}));
    app.add_option("--shards", o.shards,
                   "The store over this many shards (2..10; a store over shards keeps day sheets)")
        ->check(CLI::Range(1, 10));
    CLI11_PARSE(app, argc, argv);
    if (o.shards > 1) o.job_storage = "sheets";
    signal(SIGPIPE, SIG_IGN);

    Harness h(o);
    const auto import_start = Steady::now();
    h.import_members();
    const auto import_seconds = std::chrono::duration<double>(Steady::now() - import_start).count();

    const auto start = Steady::now();
    const double expected =
        static_cast<double>(o.jobs) / o.rate;  // seconds of sending without trouble
    // When the scheduler dies and when Redis restarts, spread over the sending.
    std::vector<double> scheduler_kill_at, redis_restart_at;
    // Two scheduler kills at 30% and 60% of the sending, a Redis restart at 45%.
    for (int i = 0; i < o.scheduler_kills; ++i)
        scheduler_kill_at.push_back(expected * 0.9 * (i + 1) / (o.scheduler_kills + 1));
    for (int i = 0; i < o.redis_restarts; ++i)
        redis_restart_at.push_back(expected * 0.9 * (i + 0.5) / o.redis_restarts);

    auto scheduler = std::make_unique<Process>(h.scheduler());
    std::vector<std::unique_ptr<Process>> workers;
    for (int i = 0; i < o.workers; ++i)
        workers.push_back(std::make_unique<Process>(h.worker()));

    int worker_kills = 0, scheduler_kills = 0, redis_restarts = 0;
    double next_worker_kill = h.seconds_between(o.kill_every);
    std::size_t sk = 0, rr = 0;
    bool done = false;
    for (;;) {
        const double t = std::chrono::duration<double>(Steady::now() - start).count();
        if (h.all_terminal()) {
            done = true;
            break;
        }
        if (t > o.timeout) break;
        // Chaos only while jobs are still being sent; then let it settle.
        const bool chaos = t < expected;
        if (chaos && t >= next_worker_kill) {
            auto& victim = workers[std::uniform_int_distribution<std::size_t>(
                0, workers.size() - 1)(h.random)];
            victim->signal(SIGKILL);
            victim->wait(5s);
            victim = std::make_unique<Process>(h.worker());
            ++worker_kills;
            next_worker_kill = t + h.seconds_between(o.kill_every);
        }
        if (sk < scheduler_kill_at.size() && t >= scheduler_kill_at[sk]) {
            scheduler->signal(SIGKILL);
            scheduler->wait(5s);
            pause_for(1s);
            scheduler = std::make_unique<Process>(h.scheduler());
            ++scheduler_kills;
            ++sk;
        }
        if (rr < redis_restart_at.size() && t >= redis_restart_at[rr]) {
            h.server.restart(false);
            ++redis_restarts;
            ++rr;
        }
        pause_for(100ms);
    }
    const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
    for (auto& w : workers)
        w->stop();
    const int scheduler_status = scheduler->stop();

    // The verdict, from Redis's job hashes and the outbox file.
    std::map<std::string, int> outbox;
    {
        std::istringstream in(read_file(h.dir.file("outbox.jsonl")));
        for (std::string line; std::getline(in, line);) {
            if (!line.empty())
                ++outbox[nlohmann::json::parse(line).at("job_id").get<std::string>()];
        }
    }
    auto redis = h.server.connect();
    std::map<std::string, int> states;
    int duplicates = 0, sent_not_in_outbox = 0, unknown_in_outbox = 0, unsent_in_outbox = 0;
    std::size_t outbox_lines = 0;
    for (const auto& [id, n] : outbox) {
        outbox_lines += static_cast<std::size_t>(n);
        if (n > 1) ++duplicates;
    }
    int jobs_found = 0;
    for (const auto& shard : h.shards()) {
        const auto prefix = keys::job_prefix(shard);
        std::string cursor = "0";
        do {
            const auto reply =
                redis.command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
            cursor = reply.elements[0].str;
            for (const auto& key : reply.elements[1].elements) {
                const auto id = key.str.substr(prefix.size());
                const auto state = redis.command({"HGET", key.str, "state"}).str;
                ++states[state];
                ++jobs_found;
                const bool in_outbox = outbox.contains(id);
                if ((state == "sent" || state == "delivered") && !in_outbox) ++sent_not_in_outbox;
                if (state == "unknown" && in_outbox) ++unknown_in_outbox;
                if (state != "sent" && state != "delivered" && state != "unknown" && in_outbox)
                    ++unsent_in_outbox;
            }
        } while (cursor != "0");
    }
    const auto counts = h.counts();
    long long counted = 0;
    for (const auto& [state, n] : counts)
        counted += n;

    const bool terminal = done && states["planned"] == 0 && states["dispatched"] == 0;
    const bool add_up =
        jobs_found == o.jobs && counted == o.jobs &&
        static_cast<long long>(states["sent"]) == (counts.contains("sent") ? counts.at("sent") : 0);
    const bool once = duplicates == 0 && sent_not_in_outbox == 0 && unsent_in_outbox == 0;
    // Nothing lost: every job that could go went. Only a job inside a
    // provider call when its worker was killed may end unknown.
    const bool nothing_lost =
        states["failed"] == 0 && states["expired"] == 0 && states["unknown"] <= worker_kills;
    std::cout << "crash test: " << o.jobs << " jobs ("
              << (o.job_storage.empty() ? "job storage: the config's default" : o.job_storage)
              << (o.shards > 1 ? ", the store over " + std::to_string(o.shards) + " shards" : "")
              << "), " << o.workers << " workers, rate " << o.rate << "/s; import "
              << import_seconds << " s; run " << seconds << " s\n"
              << "  chaos: " << worker_kills << " worker SIGKILLs, " << scheduler_kills
              << " scheduler SIGKILLs, " << redis_restarts << " redis-server restarts\n"
              << "  jobs in Redis: " << jobs_found << ";";
    for (const auto& [state, n] : states)
        std::cout << " " << state << " " << n;
    std::cout << "\n  counts hash:";
    for (const auto& [state, n] : counts)
        std::cout << " " << state << " " << n;
    std::cout << " (total " << counted << ")\n"
              << "  outbox: " << outbox_lines << " lines, " << outbox.size() << " jobs, "
              << duplicates << " sent twice; sent but not in the outbox " << sent_not_in_outbox
              << "; in the outbox but neither sent nor unknown " << unsent_in_outbox
              << "; unknown that did go " << unknown_in_outbox << "\n"
              << "  verdict: every job terminal " << (terminal ? "yes" : "NO")
              << ", each sent job once " << (once ? "yes" : "NO") << ", counts add up "
              << (add_up ? "yes" : "NO") << ", nothing lost (failed 0, expired 0, unknown "
              << states["unknown"] << " <= " << worker_kills << " worker kills) "
              << (nothing_lost ? "yes" : "NO") << "; scheduler exit " << scheduler_status
              << "\n  throughput: " << (seconds > 0 ? o.jobs / seconds : 0.0) << " jobs/s\n";
    if (!o.keep.empty()) {
        run({"/bin/sh", "-c",
             "mkdir -p '" + o.keep + "' && cp " + h.dir.path() + "/*.log " + h.dir.path() +
                 "/outbox.jsonl '" + o.keep + "'/"});
    }
    return terminal && once && add_up && nothing_lost ? 0 : 1;
}
