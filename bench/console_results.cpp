// bench/console_results — the server time of the console's results page
// (console/results_page.h) for a big store: a month planned and sent.
//
// Against members already imported (see docs/BENCHMARKS.md for the
// commands): plans every day of --month for --store with the real
// Scheduler::plan_day (and records the day's skips, as plan_due_days does),
// dispatches each day's jobs with the real claim_due and records their
// results through the real record_result script — 2 % failed, the rest
// sent, half of those delivered — then serves the console on a real admin
// server (loopback, the admin token) and asks GET /stores/<S>/results
// --repeat times, timing each answer (the client on the same machine: the
// time is the server's plus a loopback round trip). Prints the month's
// jobs, the page's size and the times (min, median, max).
//
//   build-bench/bin/bench_console_results --config bench.toml --redis URL
//       --store bench1 --month 2027-09 [--repeat 20] [--skip-setup]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "console/console.h"
#include "io/effect_store.h"
#include "io/job_store.h"
#include "io/program_setup.h"
#include "scheduler/scheduler.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Plans, dispatches and records one day; returns the jobs it finished.
long long run_day(Scheduler& scheduler, JobStore& jobs, EffectStore& effects, FixedClock& clock,
                  const StoreConfig& store, const Date& day) {
    clock.set(local_instant(day, 5min, store.zone));
    const auto report = scheduler.plan_day(store, day);
    effects.note_skips(store.id, day, report.left_out,
                       start_of_day(Date{date::sys_days{day} + date::days{400}}, store.zone));
    const SysSeconds evening = local_instant(day, 23h, store.zone);
    long long finished = 0, n = 0;
    while (true) {
        const auto claimed = jobs.claim_due(store.id, evening, 2000);
        if (claimed.jobs.empty()) break;
        std::vector<Recording> results;
        for (const auto& job : claimed.jobs) {
            ResultMessage r;
            r.store = store.id;
            r.job_id = job.id;
            r.outcome = ++n % 50 == 0 ? Outcome::failed : Outcome::sent;
            if (r.outcome == Outcome::failed) r.error = "invalid_number";
            r.provider = "null";
            r.at = job.due_at + 1min;
            r.worker = "bench";
            results.push_back({r, std::nullopt});
        }
        jobs.record_many(results);
        for (std::size_t i = 0; i < claimed.jobs.size(); i += 2)
            jobs.record_delivery(store.id, claimed.jobs[i].id, "delivered",
                                 claimed.jobs[i].due_at + 2min);
        finished += static_cast<long long>(claimed.jobs.size());
    }
    return finished;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_console_results: the results page's server time for a big store"};
    std::string config_path, redis_url, store_id, month_text;
    int repeat = 20;
    bool skip_setup = false;
    app.add_option("--config", config_path)->required();
    app.add_option("--redis", redis_url)->required();
    app.add_option("--store", store_id)->required();
    app.add_option("--month", month_text, "YYYY-MM")->required();
    app.add_option("--repeat", repeat)->check(CLI::Range(1, 1000));
    app.add_flag("--skip-setup", skip_setup, "The month is already planned and sent");
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);
    try {
        CommonOptions common;
        common.config_path = config_path;
        common.redis_url = redis_url;
        Runtime rt = make_runtime(common);
        const auto* store = rt.config.find_store(store_id);
        if (!store) throw ConfigError("--store: not in the config");
        const auto first = parse_month(month_text);
        if (!first) throw ConfigError("--month: not YYYY-MM");
        const Date last = first->year() / first->month() / date::last;
        const TemplateSet templates = load_templates(rt.config);
        FixedClock clock(local_instant(last, 20h, store->zone));

        if (!skip_setup) {
            RedisConnection redis(rt.redis);
            zmq::context_t zmq;
            Config config = rt.config;
            for (auto* e :
                 {&config.endpoints.sms, &config.endpoints.wechat, &config.endpoints.results})
                *e = "tcp://127.0.0.1:*";
            Scheduler scheduler(config, templates, redis, zmq, clock);
            RedisConnection side(rt.redis);
            JobStore jobs(side, config.scheduler);
            EffectStore effects(side);
            const auto start = std::chrono::steady_clock::now();
            long long total = 0;
            for (auto d = date::sys_days{*first}; d <= date::sys_days{last}; d += date::days{1})
                total += run_day(scheduler, jobs, effects, clock, *store, Date{d});
            std::printf("setup: %s planned and sent, %lld jobs finished, %.1f s\n",
                        month_text.c_str(), total, ms_since(start) / 1000);
            clock.set(local_instant(last, 20h, store->zone));
        }

        rt.config.admin.listen = "127.0.0.1:0";
        Console console(rt.config, templates, rt.redis, clock);
        AdminServer server(rt.config.admin, "bench-token");
        console.add_to(server);
        server.start();
        httplib::Client http("127.0.0.1", server.port());
        http.set_read_timeout(60);
        const httplib::Headers auth{{"Authorization", "Bearer bench-token"}};
        const std::string path = "/stores/" + store_id + "/results?month=" + month_text;
        std::vector<double> times;
        std::size_t bytes = 0;
        for (int i = 0; i <= repeat; ++i) {
            const auto t = std::chrono::steady_clock::now();
            const auto r = http.Get(path.c_str(), auth);
            const double ms = ms_since(t);
            if (!r || r->status != 200)
                throw std::runtime_error(
                    "GET " + path + ": " +
                    (r ? std::to_string(r->status) : std::string("no answer")));
            bytes = r->body.size();
            if (i > 0) times.push_back(ms);  // the first connects Redis: not counted
        }
        std::sort(times.begin(), times.end());
        std::printf("GET %s: %zu bytes; %d runs: min %.1f ms, median %.1f ms, max %.1f ms\n",
                    path.c_str(), bytes, repeat, times.front(), times[times.size() / 2],
                    times.back());
        server.stop();
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << "bench_console_results: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "bench_console_results: " << e.what() << "\n";
        return 1;
    }
}
