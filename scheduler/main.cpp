// huitou-scheduler — plans each store's day and dispatches jobs to the workers.
#include <functional>
#include <iostream>

#include <spdlog/spdlog.h>

#include "console/console.h"
#include "core/embedded_files.h"
#include "io/account_store.h"
#include "io/api_key_store.h"
#include "io/program_setup.h"
#include "io/redis_outage.h"
#include "io/webhook_dispatcher.h"
#include "scheduler/admin_api.h"
#include "scheduler/admin_server.h"
#include "scheduler/consent_http.h"
#include "scheduler/idempotency_store.h"
#include "scheduler/metrics_routes.h"
#include "scheduler/scheduler.h"
#include "scheduler/visit_http.h"

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
    if (const auto status = parse_options(app, argc, argv)) return *status;

    try {
        setup_logging("scheduler", common.log_level);
        Runtime rt = make_runtime(common);
        // Read at start, like every secret: a missing file or variable, or an
        // exposed address without a token, stops here, before Redis is awaited.
        const bool serve_admin = !once && !rt.config.admin.listen.empty();
        const std::string admin_token = serve_admin ? read_admin_token(rt.config.admin) : "";
        if (serve_admin) check_admin_token(rt.config.admin, admin_token);
        std::optional<SysSeconds> stop_at;
        if (!until.empty()) {
            std::string error;
            stop_at = parse_instant(until, &error);
            if (!stop_at) throw ConfigError("--until: " + error);
        }
        const TemplateSet templates = load_templates(rt.config);
        install_stop_signals();
        // --once is a command: it says at once that Redis is away. The daemon
        // waits for Redis, so start order does not matter.
        auto connected = once ? std::optional<RedisConnection>(std::in_place, rt.redis)
                              : RedisOutage::connect_when_up(rt.redis);
        if (!connected) return 0;  // stopped before Redis came
        RedisConnection& redis = *connected;
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
        // The daemon listens for visits (POS feed and HTTP); --once does not.
        scheduler.listen_for_visits();
        VisitHttpHandler visit_http(rt.config, rt.redis, *rt.clock);
        // API keys are looked up in Redis on every request, on a connection
        // of their own (io/api_key_store.h); declared first, so it outlives
        // the server's threads.
        ApiKeyChecker api_keys(rt.redis);
        IdempotencyStore replays(rt.redis);  // Idempotency-Key answers, likewise
        // Console sessions (io/account_store.h), likewise.
        AccountSessionChecker sessions(rt.redis, *rt.clock, rt.config.console.session);
        AdminServer admin(rt.config.admin, admin_token);
        admin.set_key_checker(std::ref(api_keys));
        admin.set_idempotency_store(&replays);
        admin.set_session_checker(std::ref(sessions));
        ConsentHttpHandler consent_http(rt.config, rt.redis, *rt.clock, admin.has_token());
        AdminApi admin_api(rt.config, templates, rt.redis, *rt.clock);
        Console console(rt.config, templates, rt.redis, *rt.clock);
        MetricsRoutes metrics_routes(scheduler.metrics(), rt.config, rt.redis, *rt.clock);
        if (!rt.config.admin.listen.empty()) {
            admin.on_post("/api/visits", std::ref(visit_http));
            admin.on_post("/api/consent", std::ref(consent_http));
            metrics_routes.add_to(admin);
            admin_api.add_to(admin);
            console.add_to(admin);
            // The /api/v1 routes described (docs/openapi.json, embedded):
            // any caller the server admits may read it.
            admin.on_get("/api/v1/openapi.json", [](const HttpRequest&) {
                return HttpReply{200, std::string(embedded_file("docs/openapi.json").value())};
            });
            admin.start();
        }
        spdlog::info("visits on {} (ZeroMQ) and {} (HTTP POST /api/visits)",
                     scheduler.visits_endpoint().empty() ? "-" : scheduler.visits_endpoint(),
                     rt.config.admin.listen.empty()
                         ? std::string("-")
                         : "port " + std::to_string(admin.port()) +
                               (admin.has_token() ? ", bearer token required" : ", no token"));
        // Webhooks go out on a thread of their own (io/webhook_dispatcher.h),
        // for the stores whose lease this replica holds.
        WebhookDispatcher webhooks(
            rt.config, rt.redis, *rt.clock,
            [&scheduler](const std::string& store) { return scheduler.serves_now(store); },
            &scheduler.metrics().registry());
        webhooks.start();
        scheduler.run(stop_at);
        webhooks.stop();
        admin.stop();
        spdlog::info("stopped; {} visits recorded from the feed, {} dropped",
                     scheduler.stats().visits, scheduler.stats().bad_visits);
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << "huitou-scheduler: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        // Anything else is one clear line and exit 1, never an abort.
        std::cerr << "huitou-scheduler: " << e.what() << "\n";
        return 1;
    }
}
