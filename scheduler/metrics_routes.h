// metrics_routes.h — GET /metrics and GET /readyz on the scheduler's admin server.
//
// /metrics samples the queue depths from Redis (scheduler/queue_sampler.h),
// then renders the scheduler's registry in the Prometheus text format.
// /readyz answers 200 when Redis answers PING and 503 when it does not; it
// says the scheduler can do its work, where /healthz only says the process
// is there. Both ask Redis through their own connection (io/redis_probe.h),
// never the loop's.
#pragma once

#include "core/clock.h"
#include "core/config.h"
#include "io/redis_probe.h"
#include "scheduler/admin_server.h"
#include "scheduler/queue_sampler.h"
#include "scheduler/scheduler_metrics.h"

namespace huitou {

class MetricsRoutes {
  public:
    // `metrics`, `config` and `clock` must outlive this object.
    MetricsRoutes(SchedulerMetrics& metrics, const Config& config, RedisEndpoint redis,
                  const Clock& clock);

    // Adds GET /metrics and GET /readyz to `server` (before it starts).
    void add_to(AdminServer& server);

  private:
    MetricsRegistry& registry_;
    RedisProbe probe_;
    QueueSampler sampler_;
};

}  // namespace huitou
