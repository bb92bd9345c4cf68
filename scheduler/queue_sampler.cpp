#include "scheduler/queue_sampler.h"

#include "io/redis_keys.h"
#include "io/shard_map.h"

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
    std::vector<RedisReply> replies;
    std::vector<std::size_t> shards;  // each store's shard count, in order
    const bool ok = probe_.with_connection([&](RedisConnection& r) {
        // A store over K shards: each shard's sets, summed below.
        std::vector<RedisCommand> commands;
        shards.clear();
        for (const auto& [id, store] : config_.stores) {
            const auto of_store = shards_of(r, id);
            shards.push_back(of_store.size());
            for (const auto& shard : of_store) {
                commands.push_back({"ZCOUNT", keys::due(shard), "-inf", now});
                commands.push_back({"ZCARD", keys::due(shard)});
                commands.push_back({"ZCARD", keys::inflight(shard)});
            }
        }
        replies = r.pipeline(commands);
    });
    for (const Gauge& g : {due_, scheduled_, inflight_})
        g.clear();
    redis_up_.set({}, ok ? 1 : 0);
    if (!ok) return false;
    std::size_t i = 0, s = 0;
    for (const auto& [id, store] : config_.stores) {
        double due = 0, scheduled = 0, inflight = 0;
        for (std::size_t n = 0; n < shards[s]; ++n, i += 3) {
            due += static_cast<double>(replies[i].integer);
            scheduled += static_cast<double>(replies[i + 1].integer);
            inflight += static_cast<double>(replies[i + 2].integer);
        }
        ++s;
        due_.set({id}, due);
        scheduled_.set({id}, scheduled);
        inflight_.set({id}, inflight);
    }
    return true;
}

}  // namespace huitou
