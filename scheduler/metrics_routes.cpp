#include "scheduler/metrics_routes.h"

namespace huitou {

MetricsRoutes::MetricsRoutes(SchedulerMetrics& metrics, const Config& config, RedisEndpoint redis,
                             const Clock& clock)
    : registry_(metrics.registry()),
      probe_(std::move(redis)),
      sampler_(registry_, config, probe_, clock) {}

void MetricsRoutes::add_to(AdminServer& server) {
    server.on_get("/metrics", [this](const HttpRequest&) {
        // A Redis failure still renders: huitou_redis_up says 0.
        sampler_.sample();
        return HttpReply{200, registry_.render(), std::string(MetricsRegistry::content_type)};
    });
    server.on_get("/readyz", [this](const HttpRequest&) {
        if (probe_.reachable()) return HttpReply{200, "{\"status\":\"ready\"}"};
        return HttpReply{503, "{\"status\":\"redis unreachable\"}"};
    });
}

}  // namespace huitou
