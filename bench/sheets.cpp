// bench/sheets — what a festival's planning writes cost in Redis, as job
// hashes (today's io/job_store.h) and as records of day sheets (issue 20's
// io/sheet_store.h): bytes of Redis memory a job, Redis commands a job, and
// the write rate of one client, for the same jobs.
//
// The jobs are a 中秋 greeting to each of --jobs members of the demo's toyland,
// written with the real template (its Chinese text is what makes a job hash
// a hashtable), spread over two hours, 10 % held out, in batches of a few
// hundred a script call as planning sends them. Each layout runs on an empty
// database (FLUSHALL before), so INFO memory's delta is the layout's alone.
// Planning's reading of the members is not measured here: bench_plan does.
//
//   build-bench/bin/bench_sheets --redis URL [--jobs 200000] [--repeat 3]
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "bench/bench_redis.h"
#include "core/message_template.h"
#include "core/planner.h"
#include "io/job_store.h"
#include "io/program_setup.h"
#include "io/sheet_store.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

struct Run {
    double seconds = 0;
    double bytes_per_job = 0;
    double commands_per_job = 0;
};

std::vector<Job> festival_jobs(const Config& config, const TemplateSet& templates, int n,
                               const Date& day) {
    const StoreConfig& store = *config.find_store("toyland");
    const SysSeconds ten = local_instant(day, 10h, store.zone);
    std::vector<Job> jobs;
    jobs.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        Job j;
        j.store = "toyland";
        j.kind = Kind::festival;
        j.member_id = "M" + std::to_string(1'000'000 + i);
        j.occasion_date = day;
        j.id = make_job_id(j.kind, j.member_id, day, "mid_autumn");
        j.channel = i % 5 == 0 ? Channel::wechat : Channel::sms;
        j.to = j.channel == Channel::sms ? "+86138" + std::to_string(10'000'000 + i)
                                         : "oTOY_" + std::to_string(i);
        Member m;
        m.id = j.member_id;
        m.name = i % 2 ? "王芳" : "李建国";
        m.gender = i % 2 ? Gender::female : Gender::male;
        auto values = member_values(m, store);
        values["festival"] = "中秋节";
        j.text = templates.render("toyland", "festival.mid_autumn", j.channel, values).value();
        j.params = {values.begin(), values.end()};
        j.due_at = ten + std::chrono::seconds{(i * 7919) % 7200};
        j.expires_at = local_instant(Date{date::sys_days{day} + date::days{1}}, 0s, store.zone);
        j.created_at = local_instant(day, 0s, store.zone);
        if (i % 10 == 0) {
            j.state = JobState::held;
            j.holdout_record = "2027 h";
        }
        jobs.push_back(std::move(j));
    }
    return jobs;
}

template <typename Write>
Run measure(RedisConnection& redis, std::size_t jobs, Write write) {
    redis.command({"FLUSHALL"}).expect_ok("FLUSHALL");
    const long long before = bench::info_field(redis, "memory", "used_memory");
    const auto calls_before = bench::command_calls(redis);
    const auto start = std::chrono::steady_clock::now();
    write();
    Run r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto calls = bench::calls_between(calls_before, bench::command_calls(redis));
    long long total = 0;
    for (const auto& [name, n] : calls)
        total += n;
    r.commands_per_job = static_cast<double>(total) / static_cast<double>(jobs);
    r.bytes_per_job =
        static_cast<double>(bench::info_field(redis, "memory", "used_memory") - before) /
        static_cast<double>(jobs);
    std::printf("    commands: %s\n", bench::describe_calls(calls).c_str());
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_sheets: a festival's planning writes as job hashes and as day sheets"};
    std::string redis_url;
    int n = 200'000;
    int repeat = 3;
    app.add_option("--redis", redis_url)->required();
    app.add_option("--jobs", n)->check(CLI::Range(1, 5'000'000));
    app.add_option("--repeat", repeat)->check(CLI::Range(1, 100));
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);
    try {
        CommonOptions common;
        common.redis_url = redis_url;
        Runtime rt = make_runtime(common);
        const TemplateSet templates = load_templates(rt.config);
        const Date day = *parse_date("2027-09-15");
        const auto jobs = festival_jobs(rt.config, templates, n, day);
        RedisConnection redis(rt.redis);
        SchedulerConfig scheduler = rt.config.scheduler;
        const StoreConfig& store = *rt.config.find_store("toyland");
        const SysSeconds day_start = local_instant(day, 0s, store.zone);

        std::printf(
            "# %d 中秋 jobs (10 %% held out), one client, Redis %s\n", n,
            redis.command({"INFO", "server"}).str.find("redis_version:7") != std::string::npos
                ? "7"
                : "?");
        for (int r = 1; r <= repeat; ++r) {
            std::printf("run %d\n  job hashes (create_job.lua)\n", r);
            const auto hashes = measure(redis, jobs.size(), [&] {
                JobStore store_jobs(redis, scheduler);
                store_jobs.create(jobs);
            });
            std::printf("  hashes: %.2f s, %.0f jobs/s, %.0f bytes a job, %.2f commands a job\n",
                        hashes.seconds, n / hashes.seconds, hashes.bytes_per_job,
                        hashes.commands_per_job);
            std::printf("  day sheets (plan_records.lua)\n");
            const auto sheets = measure(redis, jobs.size(), [&] {
                SheetStore s(redis);
                const DaySheets count = s.sheets_for_day("toyland", day, jobs.size());
                s.plan("toyland", day, day_start, count, jobs);
                s.expire_day("toyland", day, count, day_start + std::chrono::days{180});
            });
            std::printf("  sheets: %.2f s, %.0f jobs/s, %.0f bytes a job, %.2f commands a job\n",
                        sheets.seconds, n / sheets.seconds, sheets.bytes_per_job,
                        sheets.commands_per_job);
        }
        redis.command({"FLUSHALL"});
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_sheets: %s\n", e.what());
        return 1;
    }
}
