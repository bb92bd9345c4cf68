// queue_sampler.h — queue depths for /metrics, read from Redis when scraped.
//
// The due and in-flight sets are the truth about what waits (io/job_store.h);
// counting them at scrape time costs three O(log n) commands per store in
// one round trip, and needs no bookkeeping in the loop that could drift from
// Redis after a restart. The gauges:
//   huitou_jobs_due{store}       planned jobs whose due time has come
//   huitou_jobs_scheduled{store} all planned jobs, due now or later
//   huitou_jobs_inflight{store}  dispatched jobs waiting for a result
//   huitou_redis_up              1 when this scrape could read Redis
// By channel is not offered: the due set holds job ids only, and reading
// every due job's channel at each scrape would cost O(due jobs).
#pragma once

#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "io/redis_probe.h"

namespace huitou {

class QueueSampler {
  public:
    // Registers its gauges in `registry`; config, probe and clock must outlive it.
    QueueSampler(MetricsRegistry& registry, const Config& config, RedisProbe& probe,
                 const Clock& clock);

    // Reads the depths into the gauges; on a Redis failure clears them and
    // sets huitou_redis_up to 0. Returns whether Redis answered.
    bool sample();

  private:
    const Config& config_;
    RedisProbe& probe_;
    const Clock& clock_;
    Gauge due_, scheduled_, inflight_, redis_up_;
};

}  // namespace huitou
