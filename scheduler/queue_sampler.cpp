#include "scheduler/queue_sampler.h"

#include "io/redis_keys.h"

namespace huitou {

QueueSampler::QueueSampler(MetricsRegistry& registry, const Config& config, RedisProbe& probe,
                           const Clock& clock)
    : config_(config),
      probe_(probe),
      clock_(clock),
      due_(registry.gauge("huitou_jobs_due", "Planned jobs whose due time has come.", {"store"})),
      scheduled_(registry.gauge("huitou_jobs_scheduled",
                                "Planned jobs, due now or later (the due set).", {"store"})),
      inflight_(registry.gauge("huitou_jobs_inflight",
                               "Dispatched jobs waiting for a worker's result.", {"store"})),
      redis_up_(
          registry.gauge("huitou_redis_up", "1 when the last scrape could read Redis, else 0.")) {}

bool QueueSampler::sample() {
    const auto now = std::to_string(clock_.now().time_since_epoch().count());
    std::vector<RedisCommand> commands;
    for (const auto& [id, store] : config_.stores) {
        commands.push_back({"ZCOUNT", keys::due(only_shard(id)), "-inf", now});
        commands.push_back({"ZCARD", keys::due(only_shard(id))});
        commands.push_back({"ZCARD", keys::inflight(only_shard(id))});
    }
    std::vector<RedisReply> replies;
    const bool ok =
        probe_.with_connection([&](RedisConnection& r) { replies = r.pipeline(commands); });
    for (const Gauge& g : {due_, scheduled_, inflight_})
        g.clear();
    redis_up_.set({}, ok ? 1 : 0);
    if (!ok) return false;
    std::size_t i = 0;
    for (const auto& [id, store] : config_.stores) {
        due_.set({id}, static_cast<double>(replies[i].integer));
        scheduled_.set({id}, static_cast<double>(replies[i + 1].integer));
        inflight_.set({id}, static_cast<double>(replies[i + 2].integer));
        i += 3;
    }
    return true;
}

}  // namespace huitou
