// bench/plan — what planning one day costs: wall time and Redis commands.
//
// Drives the real Scheduler::plan_day for every store of the config on
// --day, against members already imported (bench/run.sh imports them), with
// a clock fixed at 09:00 that day. Reports, per run: members read, occasions,
// jobs created, wall time, members read per second, and the Redis commands
// the server executed (INFO commandstats delta). The jobs a run created are
// deleted afterwards (unless --keep-jobs), so every repetition plans the
// same day from scratch.
//
// --baseline also times raw pipelined HGETALL over every member of the
// stores, straight through hiredis (no copying into our reply type, no
// decoding), batches of scheduler.plan_batch: the most any planner could
// do reading members from this Redis. A festival day's members per second
// is reported as a share of it.
//
// --layout says where the jobs go: `hashes` (a store on job layout 1, a
// hash a job) or `sheets` (layout 2, records of day sheets: issue 20); the
// default follows the config's scheduler.job_storage. Each run also
// reports Redis's used_memory grown by the run's jobs, a job created (the
// index sets, the day's counts and the effect report's records included).
//
//   build-bench/bin/bench_plan --config bench.toml --redis URL --day 2027-09-15
//       [--repeat 3] [--baseline] [--keep-jobs] [--layout hashes|sheets]
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "bench/bench_redis.h"
#include "core/member_write.h"
#include "io/member_store.h"
#include "io/program_setup.h"
#include "io/sheet_store.h"
#include "scheduler/scheduler.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Every member id of `store`, from the own-birthday partition.
std::vector<std::string> all_ids(MemberStore& members, const std::string& store) {
    return members.ids_in(store, member_partition_keys());
}

// Raw pipelined HGETALL: members per second.
double raw_hgetall_rate(const RedisEndpoint& endpoint, const Config& config, MemberStore& members,
                        std::size_t batch) {
    redisContext* c = redisConnect(endpoint.host.c_str(), endpoint.port);
    if (!c || c->err) throw RedisError("baseline: cannot connect");
    std::size_t read = 0;
    double elapsed = 0;
    for (const auto& [id, store] : config.stores) {
        const auto ids = all_ids(members, id);
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < ids.size(); i += batch) {
            const std::size_t end = std::min(ids.size(), i + batch);
            for (std::size_t k = i; k < end; ++k) {
                const std::string key = keys::member(only_shard(id), ids[k]);
                const char* argv[] = {"HGETALL", key.c_str()};
                const std::size_t len[] = {7, key.size()};
                redisAppendCommandArgv(c, 2, argv, len);
            }
            for (std::size_t k = i; k < end; ++k) {
                void* reply = nullptr;
                if (redisGetReply(c, &reply) != REDIS_OK) throw RedisError("baseline: lost");
                if (static_cast<redisReply*>(reply)->elements > 0) ++read;
                freeReplyObject(reply);
            }
        }
        elapsed += seconds_since(start);
    }
    redisFree(c);
    std::printf("raw pipelined HGETALL: %zu members in %.3f s: %.0f members/s\n", read, elapsed,
                read / elapsed);
    return read / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_plan: the cost of planning one day"};
    std::string config_path, redis_url, day_text;
    int repeat = 1;
    bool baseline = false, keep_jobs = false;
    std::string layout;
    app.add_option("--config", config_path)->required();
    app.add_option("--redis", redis_url)->required();
    app.add_option("--day", day_text, "The day planned, YYYY-MM-DD")->required();
    app.add_option("--repeat", repeat)->check(CLI::Range(1, 100));
    app.add_flag("--baseline", baseline, "Also time raw pipelined HGETALL over every member");
    app.add_flag("--keep-jobs", keep_jobs, "Leave the created jobs in Redis");
    app.add_option("--layout", layout,
                   "Where the jobs go: hashes or sheets (default: the config's)")
        ->check(CLI::IsMember({"hashes", "sheets"}));
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);
    try {
        CommonOptions common;
        common.config_path = config_path;
        common.redis_url = redis_url;
        const Runtime rt = make_runtime(common);
        const auto day = parse_date(day_text);
        if (!day) throw ConfigError("--day: not a date");
        const auto* zone = rt.config.stores.begin()->second.zone;
        FixedClock clock(local_instant(*day, 9h, zone));
        const TemplateSet templates = load_templates(rt.config);
        RedisConnection redis(rt.redis);
        RedisConnection stats_redis(rt.redis);
        zmq::context_t zmq;
        Config config = rt.config;
        for (auto* e : {&config.endpoints.sms, &config.endpoints.wechat, &config.endpoints.results})
            *e = "tcp://127.0.0.1:*";
        if (layout.empty())
            layout = config.scheduler.job_storage == JobStorage::sheets ? "sheets" : "hashes";
        Scheduler scheduler(config, templates, redis, zmq, clock);
        MemberStore members(stats_redis);

        std::printf("planning %s for %zu stores, jobs as %s\n", day_text.c_str(),
                    config.stores.size(), layout.c_str());
        std::vector<double> rates;
        for (int run = 1; run <= repeat; ++run) {
            PlanReport total;
            // The scheduler moves a store to sheets before it plans it
            // (Scheduler::move_to_sheets); a store without jobs moves at
            // once. Each run, because clear_jobs forgets the layout.
            if (layout == "sheets") {
                SheetStore sheet_store(stats_redis);
                for (const auto& [id, store] : config.stores)
                    sheet_store.set_layout(id, sheet_layout);
            }
            const auto before = bench::command_calls(stats_redis);
            const long long memory_before = bench::info_field(stats_redis, "memory", "used_memory");
            const auto start = std::chrono::steady_clock::now();
            for (const auto& [id, store] : config.stores) {
                const auto r = scheduler.plan_day(store, *day);
                total.members_read += r.members_read;
                total.candidates += r.candidates;
                total.created += r.created;
                for (const auto& [k, v] : r.skipped)
                    total.skipped[k] += v;
            }
            const double elapsed = seconds_since(start);
            const auto calls = bench::calls_between(before, bench::command_calls(stats_redis));
            const long long memory_grown =
                bench::info_field(stats_redis, "memory", "used_memory") - memory_before;
            std::string skipped;
            for (const auto& [k, v] : total.skipped)
                skipped += " " + k + " " + std::to_string(v);
            std::printf(
                "run %d: %.3f s; %zu members read (%.0f/s), %zu occasions, %zu jobs created, "
                "skipped:%s\n  Redis commands: %s\n  Redis memory grown: %lld bytes, %.0f a job "
                "created\n",
                run, elapsed, total.members_read, total.members_read / elapsed, total.candidates,
                total.created, skipped.empty() ? " none" : skipped.c_str(),
                bench::describe_calls(calls).c_str(), memory_grown,
                total.created ? static_cast<double>(memory_grown) / total.created : 0.0);
            rates.push_back(total.members_read / elapsed);
            if (!keep_jobs) {
                for (const auto& [id, store] : config.stores)
                    bench::clear_jobs(stats_redis, id);
            }
            std::fflush(stdout);
        }
        if (baseline) {
            std::vector<double> raw;
            for (int run = 1; run <= repeat; ++run)
                raw.push_back(
                    raw_hgetall_rate(rt.redis, config, members,
                                     static_cast<std::size_t>(config.scheduler.plan_batch)));
            std::sort(rates.begin(), rates.end());
            std::sort(raw.begin(), raw.end());
            const double plan_median = rates[rates.size() / 2];
            const double raw_median = raw[raw.size() / 2];
            std::printf(
                "median: planning %.0f members/s, raw HGETALL %.0f members/s: %.1f %% of raw\n",
                plan_median, raw_median, 100.0 * plan_median / raw_median);
        }
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << "bench_plan: " << e.what() << "\n";
        return 2;
    } catch (const RedisError& e) {
        std::cerr << "bench_plan: " << e.what() << "\n";
        return 1;
    }
}
