#include "workers/worker_admin.h"

#include <chrono>
#include <thread>

#include <httplib.h>

#include "core/config.h"
#include "io/http_listener.h"
#include "io/redis_probe.h"

namespace huitou {

struct WorkerAdmin::Impl {
    Impl(RedisEndpoint redis, std::function<bool()> c)
        : probe(std::move(redis)), connected(std::move(c)) {}
    httplib::Server server;
    RedisProbe probe;
    std::function<bool()> connected;
    std::thread thread;
    int port = 0;
};

WorkerAdmin::WorkerAdmin(const std::string& listen, const std::string& key,
                         MetricsRegistry& registry, RedisEndpoint redis,
                         std::function<bool()> connected)
    : impl_(std::make_unique<Impl>(std::move(redis), std::move(connected))) {
    auto& server = impl_->server;
    server.set_read_timeout(std::chrono::seconds(10));
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    server.Get("/readyz", [impl = impl_.get()](const httplib::Request&, httplib::Response& res) {
        const bool redis = impl->probe.reachable();
        const bool scheduler = impl->connected();
        res.status = redis && scheduler ? 200 : 503;
        res.set_content(!redis       ? "{\"status\":\"redis unreachable\"}"
                        : !scheduler ? "{\"status\":\"no scheduler connected\"}"
                                     : "{\"status\":\"ready\"}",
                        "application/json");
    });
    server.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
        res.set_content(registry.render(), std::string(MetricsRegistry::content_type));
    });
    impl_->port = bind_exclusively(server, listen, key);
    impl_->thread = std::thread([&server] { server.listen_after_bind(); });
    // stop() only reaches a server that is running: wait until it is.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

WorkerAdmin::~WorkerAdmin() {
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

int WorkerAdmin::port() const {
    return impl_->port;
}

}  // namespace huitou
