// worker_admin.h — a worker's small HTTP listener for monitoring.
//
// GET /metrics renders the worker's registry (workers/worker_metrics.h) in
// the Prometheus text format; GET /healthz answers 200 while the process
// runs; GET /readyz answers 200 when Redis answers PING and a scheduler is
// connected to the job socket (workers/connection_watch.h), else 503. Nothing
// else: no token and no writes, because nothing here is secret beyond
// counts by store, and the address is loopback unless the operator chooses
// otherwise (sms.admin_listen / wechat.admin_listen; docs/observability.md).
// cpp-httplib on its own threads, with its own Redis connection
// (io/redis_probe.h), never the worker loop's.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/redis_url.h"

namespace huitou {

class WorkerAdmin {
  public:
    // Binds `listen` ("host:port", port 0 picks a free one) and serves in the
    // background. `key` names the config key in errors. Throws ConfigError
    // when it cannot bind (the port taken, by another process too:
    // io/http_listener.h). `registry` must outlive this object; `connected`
    // says whether a scheduler is there, from any thread.
    WorkerAdmin(const std::string& listen, const std::string& key, MetricsRegistry& registry,
                RedisEndpoint redis, std::function<bool()> connected);
    ~WorkerAdmin();  // stops serving
    WorkerAdmin(const WorkerAdmin&) = delete;
    WorkerAdmin& operator=(const WorkerAdmin&) = delete;

    int port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace huitou
