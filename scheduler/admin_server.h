// admin_server.h — the scheduler's HTTP server, for operators and point-of-sale systems.
//
// cpp-httplib, wrapped once here (the rest of the code never includes
// httplib.h): a listening socket bound at start-up — 127.0.0.1 unless the
// config says otherwise — served by httplib's thread pool in the background.
// Handlers are plain functions from a request body to a status and a JSON
// body; they run on the server's threads, so they must not share a Redis
// connection with the scheduler loop.
//
// When a token is configured (admin.token or HUITOU_ADMIN_TOKEN), every route
// but GET /healthz and GET /readyz needs "Authorization: Bearer <token>"; without one the
// server trusts whoever can reach the address, which is why it binds loopback
// by default. Bodies are limited to 64 KiB. It serves POST /api/visits and
// GET /metrics and /readyz (docs/observability.md); the admin API grows on
// the same class.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"

namespace huitou {

struct HttpReply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

class AdminServer {
  public:
    using PostHandler = std::function<HttpReply(std::string_view body)>;
    using GetHandler = std::function<HttpReply()>;

    explicit AdminServer(AdminConfig config);
    ~AdminServer();  // stops the server
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    // Adds a POST route; call before start().
    void on_post(const std::string& path, PostHandler handler);
    // Adds a GET route; call before start(). GET /readyz, like /healthz, needs no token.
    void on_get(const std::string& path, GetHandler handler);

    // Binds `config.listen` and serves in the background. Throws ConfigError
    // when the address cannot be bound.
    void start();
    // Stops serving and waits for the server thread. Idempotent.
    void stop();

    // The port bound (after start), e.g. when the config asked for port 0.
    int port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace huitou
