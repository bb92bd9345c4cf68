// admin_server.h — the scheduler's HTTP server, for operators, point-of-sale
// systems and programs with an API key.
//
// cpp-httplib, wrapped once here (the rest of the code never includes
// httplib.h): a listening socket bound at start-up — 127.0.0.1 unless the
// config says otherwise — served by httplib's thread pool in the background.
// Handlers are plain functions from a request (body, query parameters, the
// path's captured parts, who is asking) to a status and a JSON body; they run
// on the server's threads, so they must not share a Redis connection with
// the scheduler loop.
//
// Who is asking (core/identity.h) is settled before any route runs, for every
// request but GET /healthz and GET /readyz:
//   - "Authorization: Bearer <admin token>" (admin.token_file, admin.token_env
//     or HUITOU_ADMIN_TOKEN: never inline), compared in constant time: the
//     admin, every store, every route;
//   - "Bearer hk_..." — an API key, checked by the KeyChecker on every
//     request (nothing cached: a revoked key is refused at once). A key
//     reaches /api/v1/ only: elsewhere a valid key is a 403, the operator's
//     routes are not for programs. Which stores and methods it may use
//     within /api/v1/ is each route's check (scheduler/store_access.h);
//   - anything else is a 401 with WWW-Authenticate: Bearer.
// Without an admin token the server trusts whoever can reach the address as
// the admin, so it starts only on a loopback address (127.0.0.0/8, ::1,
// localhost), with a warning; the consent route then refuses opt-ins
// (scheduler/consent_http.h). A request presenting an API key is still that
// key (a wrong one a 401), never the admin. A KeyChecker that throws
// RedisError is a 503, any other exception a 500: never a crash.
//
// Bodies are limited to 64 KiB, 2 MiB on the :batch routes (core/batch_body.h):
// a Content-Length over the limit is a 413 before the body is read (the
// pre-routing handler); a chunked body is read up to 2 MiB (httplib's one
// server-wide limit) and then refused as well. An API key may send
// admin.api_requests_per_second (core/api_rate_limit.h, in memory): beyond,
// a 429 with Retry-After; the admin token is not limited.
//
// Idempotency-Key (core/idempotency.h) is handled here, once, for every
// write under /api/v1/ (POST, PUT, PATCH, DELETE), not per route: the first
// answer is kept in Redis (scheduler/idempotency_store.h) per caller and key
// and given again, with "Idempotent-Replayed: true", to a retry of the same
// request; the same key on another request is a 422, on one still running a
// 409. Without a store (set_idempotency_store) the header is ignored.
//
// The console (console/console.h) shares the server, behind a door of its
// own: every path outside /api/, /metrics, /healthz and /readyz is a console
// path (is_console_path). There the caller is the session of the cookie
// huitou_session (the SessionChecker, io/account_store.h), or the admin for
// a request bearing the admin token (scripts, tests), or else
// Identity::nobody() — the page then sends the browser to /login. The
// loopback-without-token rule does not apply: a console page always needs a
// person. A console write (POST) by a session must carry the session's CSRF
// token in its form field "csrf" (compared in constant time; POST /login has
// its own check) or it is a 403 before any route runs. Console answers carry
// security headers (no framing, same-origin scripts and styles only, no
// caching) and errors are HTML, not JSON. An API path never accepts the
// cookie, so a page on another site cannot make a browser write through the
// API.
//
// Every API error is JSON {"error": "..."}: 401, 403, 404 for an unknown path,
// 405 (with Allow) for a known path asked with another method, 413, 429.
// The routes themselves are registered by their owners (metrics_routes.h,
// admin_api.h, ...).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/identity.h"

namespace huitou {

class IdempotencyStore;

// The body limit of a request to `path`: 2 MiB for a :batch route, else 64 KiB.
std::size_t body_limit(std::string_view path);

// What a handler sees of a request. `path_params` are the regex groups of the
// route's pattern ("/api/jobs/([^/]+)" → {"<id>"}); both are URL-decoded.
// `identity` is who is asking, filled by the server; default-constructed it
// may touch no store.
struct HttpRequest {
    std::string method = "GET";
    std::string path;  // decoded, without the query
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case; the last of each
    std::map<std::string, std::string> query;    // the last value of each parameter
    std::vector<std::string> path_params;
    Identity identity;
    std::string csrf;  // the session's CSRF token (console, with a session), else ""
    std::string remote_addr;  // the peer's address, for log lines (a proxy's, behind one)

    // Whether the method changes something: anything but GET and HEAD.
    bool writes() const { return method != "GET" && method != "HEAD"; }

    // The query parameter `name`, or "" when absent.
    std::string param(const std::string& name) const;
    // The header `name` (any case), or "" when absent.
    std::string header(std::string_view name) const;
    // The cookie `name` of the Cookie header, or "" when absent.
    std::string cookie(std::string_view name) const;
};

struct HttpReply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    // Extra headers (Set-Cookie, Location, ...), in order; a name may repeat.
    std::vector<std::pair<std::string, std::string>> headers = {};

    // An HTML page.
    static HttpReply html(std::string body, int status = 200);
    // 303 See Other to `location` (after a form's POST, or to /login).
    static HttpReply redirect(std::string location);
};

// Whether `path` is the console's (anything outside /api/, /metrics,
// /healthz and /readyz).
bool is_console_path(std::string_view path);

// The cookie that carries a console session's token.
inline constexpr std::string_view kSessionCookie = "huitou_session";

// ConsoleSession (who, and the token its forms must carry) is in
// core/identity.h: io/account_store.h makes them.

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
    using Handler = GetHandler;
    // The live key `token` ("hk_...") is, else nullopt. Called from the
    // server's threads, for each request with a key. Throws RedisError when
    // it cannot tell (a 503).
    using KeyChecker = std::function<std::optional<Identity>(std::string_view token)>;
    // The live session of the cookie's `token`, else nullopt (unknown,
    // expired, a disabled account); touching it keeps it alive. Called from
    // the server's threads for each console request with the cookie. Throws
    // RedisError when it cannot tell (a 503).
    using SessionChecker = std::function<std::optional<ConsoleSession>(std::string_view token)>;

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
    // Adds a route for `method` (GET, POST, PUT, PATCH or DELETE), as on_get;
    // the handler sees the method, the body and the identity.
    void on(const std::string& method, const std::string& path, Handler handler);

    // Lets API keys in (under /api/v1/); call before start(). Without a
    // checker every key is a 401.
    void set_key_checker(KeyChecker checker);

    // Lets console sessions in; call before start(). Without a checker no
    // cookie is a session (console pages then see Identity::nobody()).
    void set_session_checker(SessionChecker checker);

    // Keeps Idempotency-Key answers in `store` (not owned; outlives the
    // server); call before start(). Without one the header is ignored.
    void set_idempotency_store(IdempotencyStore* store);

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
