// bench/dispatch — jobs per second end to end: scheduler → ZeroMQ → worker →
// provider → result → job state in Redis.
//
// Creates --jobs SMS birthday jobs due now in --store through
// JobStore::create (the create_job script planning uses, 1000 per
// pipeline; timed on its own) — or, with --layout sheets, as records of
// today's day sheets through SheetStore::plan (plan_records.lua), their
// members written first with a birthday today so that dispatch can write
// their words (core/job_render.h) —
// then runs the real Scheduler's dispatch and result handling — the daemon's
// loop without the planning — until Redis counts every job `sent`. The
// workers are separate `huitou-sms` processes, started by bench/run.sh with
// `sms.provider = "null"` (workers/null_sender.h) before this program binds
// the scheduler's endpoints; ZeroMQ connects them when it does.
//
// Reports creation (jobs/s), dispatch to the last result recorded (jobs/s),
// and the whole (creation included), to compare with a queue whose numbers
// include adding the jobs.
//
//   build-bench/bin/bench_dispatch --config bench.toml --redis URL --jobs 200000
//       [--layout hashes|sheets]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "bench/bench_redis.h"
#include "io/job_store.h"
#include "io/program_setup.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"
#include "scheduler/scheduler.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_dispatch: jobs per second, scheduler to worker and back"};
    std::string config_path, redis_url, store_id = "bench1";
    int jobs_count = 200000;
    double settle = 1.0;
    std::string layout = "hashes";
    app.add_option("--config", config_path)->required();
    app.add_option("--redis", redis_url)->required();
    app.add_option("--store", store_id);
    app.add_option("--jobs", jobs_count)->check(CLI::Range(1, 10000000));
    app.add_option("--settle", settle, "Seconds for the workers to connect before dispatching");
    app.add_option("--layout", layout, "Where the jobs are: hashes (one a job) or sheets (records)")
        ->check(CLI::IsMember({"hashes", "sheets"}));
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);
    try {
        CommonOptions common;
        common.config_path = config_path;
        common.redis_url = redis_url;
        const Runtime rt = make_runtime(common);
        const StoreConfig* store = rt.config.find_store(store_id);
        if (!store) throw ConfigError("--store: not in the config");
        RedisConnection redis(rt.redis);
        JobStore jobs(redis, rt.config.scheduler);
        bench::clear_jobs(redis, store_id);

        const SysSeconds now =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        const Date today = local_date(now, store->zone);
        const bool sheets = layout == "sheets";
        SheetStore sheet_store(redis);
        DaySheets day_sheets;
        if (sheets) {
            // The members, as an import writes them (not timed): the claim
            // reads each one, and her birthday today is what the words say.
            std::vector<RedisCommand> writes;
            for (int i = 0; i < jobs_count; ++i) {
                Member m;
                m.name = "王芳";
                m.gender = Gender::female;
                m.birthday =
                    Birthday{false, std::nullopt, unsigned(today.month()), unsigned(today.day())};
                m.phone = "+86138" + std::to_string(10000000 + i);
                m.sms_optin = true;
                const auto id = "D" + std::to_string(1000000 + i);
                RedisCommand hset{"HSET", keys::member(shard_of_member(redis, store_id, id), id)};
                for (const auto& [k, v] : to_fields(m)) {
                    hset.push_back(k);
                    hset.push_back(v);
                }
                writes.push_back(std::move(hset));
                if (writes.size() == 1000 || i + 1 == jobs_count) {
                    for (const auto& reply : redis.pipeline(writes))
                        reply.expect_ok("HSET member");
                    writes.clear();
                }
            }
            sheet_store.set_layout(store_id, sheet_layout);
            day_sheets =
                sheet_store.sheets_for_day(store_id, today, static_cast<std::size_t>(jobs_count));
        }
        const SysSeconds day_start = start_of_day(today, store->zone);
        const auto create_start = std::chrono::steady_clock::now();
        std::vector<Job> batch;
        for (int i = 0; i < jobs_count; ++i) {
            Job j;
            j.store = store_id;
            j.kind = Kind::birthday;
            j.member_id = "D" + std::to_string(1000000 + i);
            j.occasion_date = today;
            j.id = make_job_id(j.kind, j.member_id, j.occasion_date);
            j.channel = Channel::sms;
            j.to = "+86138" + std::to_string(10000000 + i);
            j.text = "王女士，生日快乐！本店为您准备了一份小礼物，欢迎到店领取。";
            j.params = {{"honorific", "王女士"}, {"name", "王芳"}, {"store", "压测店"}};
            j.due_at = now;
            j.expires_at = now + 24h;
            j.created_at = now;
            batch.push_back(std::move(j));
            if (batch.size() == 1000 || i + 1 == jobs_count) {
                if (sheets)
                    sheet_store.plan(store_id, today, day_start, day_sheets, batch);
                else
                    jobs.create(batch);
                batch.clear();
            }
        }
        const double create_s = seconds_since(create_start);

        zmq::context_t zmq;
        SystemClock clock;
        const TemplateSet templates = load_templates(rt.config);
        Scheduler scheduler(rt.config, templates, redis, zmq, clock);
        // Workers reconnect every 100 ms until the endpoints are bound.
        std::this_thread::sleep_for(std::chrono::duration<double>(settle));

        const auto before = bench::command_calls(redis);
        const auto start = std::chrono::steady_clock::now();
        long long sent = 0;
        const auto give_up = start + std::chrono::seconds(60 + jobs_count / 500);
        while (std::chrono::steady_clock::now() < give_up) {
            scheduler.dispatch_due(clock.now());
            if (scheduler.handle_results(1ms) == 0 ||
                scheduler.stats().dispatched >= static_cast<std::size_t>(jobs_count)) {
                const auto counts = jobs.counts(store_id);
                sent = counts.contains("sent") ? counts.at("sent") : 0;
                if (sent >= jobs_count) break;
            }
        }
        const double dispatch_s = seconds_since(start);
        // Results still in flight are recorded (idempotently) before counting commands.
        scheduler.handle_results(100ms);
        const auto calls = bench::calls_between(before, bench::command_calls(redis));
        const auto& stats = scheduler.stats();
        std::printf(
            "%d jobs (%s): created in %.3f s (%.0f jobs/s); dispatched to sent in %.3f s "
            "(%.0f jobs/s); together %.3f s (%.0f jobs/s)\n",
            jobs_count, layout.c_str(), create_s, jobs_count / create_s, dispatch_s,
            sent / dispatch_s, create_s + dispatch_s, sent / (create_s + dispatch_s));
        std::printf("sent %lld, dispatched %zu, handed back for lack of a worker %zu\n", sent,
                    stats.dispatched, stats.deferred);
        std::printf("Redis commands while dispatching: %s; %.1f per job\n",
                    bench::describe_calls(calls).c_str(), [&] {
                        long long t = 0;
                        for (const auto& [k, v] : calls)
                            t += v;
                        return static_cast<double>(t) / std::max<long long>(sent, 1);
                    }());
        bench::clear_jobs(redis, store_id);
        return sent >= jobs_count ? 0 : 1;
    } catch (const ConfigError& e) {
        std::cerr << "bench_dispatch: " << e.what() << "\n";
        return 2;
    } catch (const RedisError& e) {
        std::cerr << "bench_dispatch: " << e.what() << "\n";
        return 1;
    }
}
