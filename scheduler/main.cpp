// huitou-scheduler — plans each store's day and dispatches jobs to the workers.
#include <iostream>

#include <spdlog/spdlog.h>

#include "io/program_setup.h"
#include "scheduler/scheduler.h"

int main(int argc, char** argv) {
    using namespace huitou;
    CLI::App app{
        "huitou-scheduler: plans greetings and reminders and dispatches them to the workers"};
    CommonOptions common;
    add_common_options(app, common);
    bool once = false;
    std::string until;
    app.add_flag("--once", once,
                 "Plan the day containing now, dispatch what is due, wait for the results, exit");
    app.add_option("--until", until, "Daemon: stop when the clock reaches this instant");
    CLI11_PARSE(app, argc, argv);

    try {
        setup_logging("scheduler", common.log_level);
        Runtime rt = make_runtime(common);
        std::optional<SysSeconds> stop_at;
        if (!until.empty()) {
            std::string error;
            stop_at = parse_instant(until, &error);
            if (!stop_at) throw ConfigError("--until: " + error);
        }
        const TemplateSet templates = load_templates(rt.config);
        install_stop_signals();
        RedisConnection redis(rt.redis);
        zmq::context_t zmq;
        Scheduler scheduler(rt.config, templates, redis, zmq, *rt.clock);
        spdlog::info("{} stores; jobs on {} (sms) and {} (wechat), results on {}; Redis {}",
                     rt.config.stores.size(), scheduler.job_endpoint(Channel::sms),
                     scheduler.job_endpoint(Channel::wechat), scheduler.results_endpoint(),
                     rt.redis.describe());
        if (once) {
            const auto result = scheduler.run_once();
            const auto& s = scheduler.stats();
            std::cout << "planned " << s.planned << ", dispatched " << s.dispatched << ", sent "
                      << (s.results.contains("sent") ? s.results.at("sent") : 0) << ", failed "
                      << (s.results.contains("failed") ? s.results.at("failed") : 0) << ", expired "
                      << s.expired << ", without result " << result.without_result
                      << ", not dispatched " << result.not_dispatched << "\n";
            return result.complete() ? 0 : 3;
        }
        scheduler.run(stop_at);
        spdlog::info("stopped");
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << "huitou-scheduler: " << e.what() << "\n";
        return 2;
    } catch (const RedisError& e) {
        std::cerr << "huitou-scheduler: " << e.what() << "\n";
        return 1;
    }
}
