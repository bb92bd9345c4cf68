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
// With a token (admin.token_file, admin.token_env or HUITOU_ADMIN_TOKEN: never
// inline), every route but GET /healthz and GET /readyz needs
// "Authorization: Bearer <token>", compared in constant time. Without one the
// server trusts whoever can reach the address, so it starts without a token
// only on a loopback address (127.0.0.0/8, ::1, localhost), with a warning;
// the consent route then refuses opt-ins (scheduler/consent_http.h): what
// lifts a member's refusal needs the token. Bodies are limited to 64 KiB. Every error is JSON
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

// The admin token where `config` says it is (admin.token_file or
// admin.token_env), else HUITOU_ADMIN_TOKEN, else "" (none). Throws
// ConfigError for a missing file or variable, or an empty token.
std::string read_admin_token(const AdminConfig& config);

// Throws ConfigError when `token` is empty and config.listen is not a
// loopback address (or not host:port at all). AdminServer::start() checks it
// too; main() calls it early, before waiting for Redis.
void check_admin_token(const AdminConfig& config, const std::string& token);

class AdminServer {
  public:
    using PostHandler = std::function<HttpReply(std::string_view body)>;
    using GetHandler = std::function<HttpReply(const HttpRequest&)>;

    // `token`: the bearer token every request needs ("" = none; see start()).
    AdminServer(AdminConfig config, std::string token);
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
    // when there is no token and the address is not loopback (logs a warning
    // for loopback without a token), or when the address cannot be bound — taken by another process
    // too: the port is never shared (io/http_listener.h).
    void start();
    // Stops serving and waits for the server thread. Idempotent.
    void stop();

    // The port bound (after start), e.g. when the config asked for port 0.
    int port() const;
    // Whether requests need the bearer token.
    bool has_token() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace huitou
