// admin_server.h — the scheduler's HTTP server, for operators and point-of-sale systems.
//
// cpp-httplib, wrapped once here (the rest of the code never includes
// httplib.h): a listening socket bound at start-up — 127.0.0.1 unless the
// config says otherwise — served by httplib's thread pool in the background.
// Handlers are plain functions from a request (body, query parameters, the
// path's captured parts) to a status and a JSON body; they run on the
// server's threads, so they must not share a Redis connection with the
// scheduler loop.
//
// When a token is configured (admin.token or HUITOU_ADMIN_TOKEN), every route
// but GET /healthz and GET /readyz needs "Authorization: Bearer <token>"; without one the
// server trusts whoever can reach the address, which is why it binds loopback
// by default. Bodies are limited to 64 KiB. Every error is JSON
// {"error": "..."}: 401 without the token, 404 for an unknown path, 405 (with
// Allow) for a known path asked with another method. The routes themselves
// are registered by their owners (metrics_routes.h, admin_api.h, ...).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace huitou {

// What a handler sees of a request. `path_params` are the regex groups of the
// route's pattern ("/api/jobs/([^/]+)" → {"<id>"}); both are URL-decoded.
struct HttpRequest {
    std::string body;
    std::map<std::string, std::string> query;  // the last value of each parameter
    std::vector<std::string> path_params;

    // The query parameter `name`, or "" when absent.
    std::string param(const std::string& name) const;
};

struct HttpReply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

class AdminServer {
  public:
    using PostHandler = std::function<HttpReply(std::string_view body)>;
    using GetHandler = std::function<HttpReply(const HttpRequest&)>;

    explicit AdminServer(AdminConfig config);
    ~AdminServer();  // stops the server
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    // Adds a POST route; call before start().
    void on_post(const std::string& path, PostHandler handler);
    // Adds a GET route; call before start(). `path` is an ECMAScript regex
    // matched against the whole path; its groups become path_params.
    // GET /readyz, like /healthz, needs no token.
    void on_get(const std::string& path, GetHandler handler);

    // Binds `config.listen` and serves in the background. Throws ConfigError
    // when the address cannot be bound — taken by another process too: the
    // port is never shared (io/http_listener.h).
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
