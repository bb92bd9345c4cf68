#include "scheduler/admin_server.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cctype>
#include <charconv>
#include <chrono>
#include <set>
#include <thread>

#include <httplib.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/api_key.h"
#include "core/api_rate_limit.h"
#include "core/batch_body.h"
#include "core/idempotency.h"
#include "core/markup_escape.h"
#include "core/wire.h"
#include "io/http_listener.h"
#include "io/redis_connection.h"
#include "io/secret.h"
#include "scheduler/idempotency_store.h"

namespace huitou {

struct AdminServer::Impl {
    AdminConfig config;
    std::string token;
    KeyChecker check_key;
    SessionChecker check_session;
    IdempotencyStore* replays = nullptr;
    std::unique_ptr<ApiRateLimit> rate;
    std::atomic<bool> listened{false};  // the server thread's listen has returned
    std::map<std::string, std::set<std::string>> methods;  // path → methods routed
    httplib::Server server;
    std::thread thread;
    int port = 0;
};

namespace {

std::string error_body(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump();
}

// Compares in time independent of where the strings differ.
bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Who the request this thread is handling comes from: set by the
// pre-routing handler, read by the route's wrapper. httplib runs both for one
// request on one thread, one after the other, and the pre-routing handler
// sets it for every request, so nothing leaks from one request to the next.
thread_local Identity current_identity;
thread_local std::string current_csrf;  // the session's CSRF token, likewise

// A console error page: plain HTML, the message escaped.
std::string html_error(int status, std::string_view message) {
    const std::string escaped = markup_escape(message);
    return "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>" +
           std::to_string(status) +
           "</title>"
           "<link rel=\"stylesheet\" href=\"/static/console.css\"></head><body><main "
           "class=\"error\">"
           "<h1>" +
           std::to_string(status) + "</h1><p>" + escaped +
           "</p><p><a href=\"/\">返回首页</a></p></main></body></html>";
}

// What every console answer carries: no framing by other sites, scripts,
// styles and forms of this origin only, nothing cached (pages show members'
// data), no Referer with a member's id leaving the site.
void set_console_headers(httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                   "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                   "base-uri 'none'");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "same-origin");
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
}

// Who a console request is: the cookie's session, else the admin for the
// admin token (scripts), else nobody. Throws what the checker throws.
Identity identify_console(const std::string& admin_token,
                          const AdminServer::SessionChecker& check_session,
                          const httplib::Request& req) {
    current_csrf.clear();
    HttpRequest probe;
    probe.headers["cookie"] = req.get_header_value("Cookie");
    if (const auto token = probe.cookie(kSessionCookie); !token.empty() && check_session) {
        if (auto session = check_session(token)) {
            current_csrf = std::move(session->csrf);
            return std::move(session->who);
        }
    }
    const auto header = req.get_header_value("Authorization");
    if (!admin_token.empty() && header.starts_with("Bearer ") &&
        same_secret(std::string_view(header).substr(7), admin_token))
        return Identity::admin();
    return Identity::nobody();
}

// Who a request is, or the refusal to send instead.
struct Verdict {
    std::optional<Identity> who;
    int status = 0;
    std::string message;
};

Verdict refused(int status, std::string message) {
    return {std::nullopt, status, std::move(message)};
}

Verdict admitted(Identity who) {
    return {std::move(who), 0, {}};
}

Verdict identify(const std::string& admin_token, const AdminServer::KeyChecker& check_key,
                 const httplib::Request& req) {
    const auto header = req.get_header_value("Authorization");
    const bool bearer = header.starts_with("Bearer ");
    const std::string_view presented = bearer ? std::string_view(header).substr(7) : "";
    if (!admin_token.empty() && bearer && same_secret(presented, admin_token))
        return admitted(Identity::admin());
    if (bearer && has_api_key_prefix(presented)) {
        std::optional<Identity> key;
        if (check_key) key = check_key(presented);
        if (!key) return refused(401, "the API key is not valid: unknown, revoked or malformed");
        if (!req.path.starts_with("/api/v1/")) {
            return refused(403,
                           "an API key reaches /api/v1/ only; this route takes the admin "
                           "token");
        }
        return admitted(std::move(*key));
    }
    // No token configured: the server is on loopback, and whoever reaches it
    // is the operator, as before keys existed.
    if (admin_token.empty()) return admitted(Identity::admin());
    return refused(401, "a valid bearer token is required");
}

HttpRequest to_request(const httplib::Request& req) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [name, value] : req.headers) {
        std::string lower = name;
        for (auto& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[lower] = value;
    }
    r.identity = current_identity;
    r.csrf = current_csrf;
    r.remote_addr = req.remote_addr;
    r.body = req.body;
    for (const auto& [name, value] : req.params)
        r.query[name] = value;
    for (std::size_t i = 1; i < req.matches.size(); ++i)
        r.path_params.push_back(req.matches[i].str());  // the path is decoded already
    return r;
}

// The steady clock as the limiter's time: only differences matter.
GcraTime steady_now() {
    return GcraTime(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now().time_since_epoch()));
}

// Who keeps an Idempotency-Key's record: the admin, or one API key.
std::string caller_of(const Identity& who) {
    return who.kind == Identity::Kind::admin ? "admin" : "key:" + who.id;
}

// Runs `handler` for `r` under its Idempotency-Key `key`: the work once, the
// answer kept; a retry of the same request answered from the record.
HttpReply run_once(IdempotencyStore& replays, const HttpRequest& r, const std::string& key,
                   const AdminServer::Handler& handler, httplib::Response& res) {
    if (const auto why = check_idempotency_key(key)) return {400, error_body(*why)};
    std::string target = r.path;
    for (const auto& [name, value] : r.query)
        target += "&" + name + "=" + value;
    const auto fingerprint = request_fingerprint(r.method, target, r.body);
    const auto caller = caller_of(r.identity);
    std::optional<IdempotencyRecord> found;
    try {
        found = replays.take(caller, key, fingerprint);
    } catch (const RedisError& e) {
        spdlog::error("{} {}: cannot check the Idempotency-Key: {}", r.method, r.path, e.what());
        return {503, error_body("storage unavailable, try again")};
    }
    switch (decide(found, fingerprint)) {
        case IdempotencyVerdict::replay:
            res.set_header("Idempotent-Replayed", "true");
            return {found->status, found->body, found->content_type};
        case IdempotencyVerdict::in_flight:
            return {409,
                    error_body("Idempotency-Key: a request with this key is still in progress; "
                               "retry shortly")};
        case IdempotencyVerdict::mismatch:
            return {422, error_body("Idempotency-Key: reused with a different request")};
        case IdempotencyVerdict::run:
            break;
    }
    HttpReply reply;
    try {
        reply = handler(r);
    } catch (...) {
        try {
            replays.forget(caller, key);
        } catch (const std::exception&) {
            // the record expires after kIdempotencyPendingSeconds
        }
        throw;
    }
    try {
        if (is_kept(reply.status)) {
            replays.keep(caller, key,
                         IdempotencyRecord{fingerprint, false, reply.status, reply.content_type,
                                           reply.body});
        } else {
            replays.forget(caller, key);
        }
    } catch (const std::exception& e) {
        // The work is done and its answer goes out; a retry within
        // kIdempotencyPendingSeconds gets a 409, later it runs again.
        spdlog::error("{} {}: cannot keep the Idempotency-Key's answer: {}", r.method, r.path,
                      e.what());
    }
    return reply;
}

// The Content-Length a request announces, or nullopt (none, or chunked).
std::optional<std::size_t> content_length(const httplib::Request& req) {
    if (!req.has_header("Content-Length")) return std::nullopt;
    const auto text = req.get_header_value("Content-Length");
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

std::string too_large(std::string_view path) {
    return "body: larger than " + std::to_string(body_limit(path) / 1024) + " KiB" +
           (path.ends_with(":batch") ? std::string()
                                     : std::string("; send many items to a :batch route"));
}

}  // namespace

std::size_t body_limit(std::string_view path) {
    return path.ends_with(":batch") ? kMaxBatchBodyBytes : max_body_bytes;
}

std::string HttpRequest::header(std::string_view name) const {
    std::string lower(name);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto it = headers.find(lower);
    return it == headers.end() ? std::string{} : it->second;
}

std::string HttpRequest::cookie(std::string_view name) const {
    const auto it = headers.find("cookie");
    if (it == headers.end()) return {};
    std::string_view rest = it->second;
    while (!rest.empty()) {
        const auto end = rest.find(';');
        auto pair = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        while (!pair.empty() && pair.front() == ' ')
            pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name)
            return std::string(pair.substr(eq + 1));
    }
    return {};
}

HttpReply HttpReply::html(std::string body, int status) {
    return HttpReply{status, std::move(body), "text/html; charset=utf-8"};
}

HttpReply HttpReply::redirect(std::string location) {
    HttpReply reply{303, {}, "text/html; charset=utf-8"};
    reply.headers.emplace_back("Location", std::move(location));
    return reply;
}

bool is_console_path(std::string_view path) {
    return !path.starts_with("/api/") && path != "/api" && path != "/metrics" &&
           path != "/healthz" && path != "/readyz";
}

std::string HttpRequest::param(const std::string& name) const {
    const auto it = query.find(name);
    return it == query.end() ? std::string{} : it->second;
}

std::string read_admin_token(const AdminConfig& config) {
    return read_optional_secret(config.token, "admin.token", "HUITOU_ADMIN_TOKEN");
}

AdminServer::AdminServer(AdminConfig config, std::string token) : impl_(std::make_unique<Impl>()) {
    impl_->config = std::move(config);
    impl_->token = std::move(token);
    auto& server = impl_->server;
    impl_->rate = std::make_unique<ApiRateLimit>(impl_->config.api_requests_per_second,
                                                 impl_->config.api_burst);
    // httplib's one limit is the largest route's; each route's own is
    // checked before the body is read (pre-routing) and again after.
    server.set_payload_max_length(kMaxBatchBodyBytes);
    server.set_read_timeout(std::chrono::seconds(10));
    // A POS keeps its connection open: without TCP_NODELAY an answer written
    // in two parts waits for the client's delayed ACK (40 ms), and one
    // keep-alive connection manages about 16 requests a second
    // (bench/run.sh --only api, docs/BENCHMARKS.md).
    server.set_tcp_nodelay(true);
    impl_->methods["/healthz"].insert("GET");
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    server.set_pre_routing_handler([impl = impl_.get()](const httplib::Request& req,
                                                        httplib::Response& res) {
        current_identity = Identity{};
        current_csrf.clear();
        if (req.path == "/healthz" || req.path == "/readyz")
            return httplib::Server::HandlerResponse::Unhandled;
        const bool console = is_console_path(req.path);
        if (const auto length = content_length(req); length && *length > body_limit(req.path)) {
            res.status = 413;
            res.set_header("Connection", "close");  // the body stays unread
            if (console)
                res.set_content(html_error(413, "提交的内容太大"), "text/html; charset=utf-8");
            else
                res.set_content(error_body(too_large(req.path)), "application/json");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (console) {
            try {
                current_identity = identify_console(impl->token, impl->check_session, req);
                return httplib::Server::HandlerResponse::Unhandled;
            } catch (const std::exception& e) {
                spdlog::error("{} {}: cannot check the session: {}", req.method, req.path,
                              e.what());
                res.status = 503;
                set_console_headers(res);
                res.set_content(html_error(503, "数据暂时无法读取，请稍后再试"),
                                "text/html; charset=utf-8");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        Verdict verdict;
        try {
            verdict = identify(impl->token, impl->check_key, req);
        } catch (const RedisError& e) {
            spdlog::error("{} {}: cannot check the API key: {}", req.method, req.path, e.what());
            verdict = refused(503, "storage unavailable, try again");
        } catch (const std::exception& e) {
            spdlog::error("{} {}: cannot check the API key: {}", req.method, req.path, e.what());
            verdict = refused(500,
                              "the API key could not be checked; the scheduler's log "
                              "says why");
        }
        if (verdict.who && verdict.who->kind == Identity::Kind::api_key) {
            if (const auto wait = impl->rate->admit(verdict.who->id, steady_now())) {
                const auto seconds = (wait->count() + 999999) / 1000000;
                res.status = 429;
                res.set_header("Retry-After", std::to_string(std::max<long long>(1, seconds)));
                res.set_content(
                    error_body("rate: " + verdict.who->describe() + " sent more than " +
                               std::to_string(impl->rate->per_second()) +
                               " requests a second (admin.api_requests_per_second); retry "
                               "after Retry-After seconds"),
                    "application/json");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (verdict.who) {
            current_identity = std::move(*verdict.who);
            return httplib::Server::HandlerResponse::Unhandled;
        }
        res.status = verdict.status;
        if (verdict.status == 401) res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(error_body(verdict.message), "application/json");
        return httplib::Server::HandlerResponse::Handled;
    });
    // httplib's own answers (no route, a malformed request) get a JSON body
    // too; a handler's reply already has one.
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            if (is_console_path(req.path)) {
                set_console_headers(res);
                res.set_content(html_error(res.status, res.status == 404   ? "没有这个页面"
                                                       : res.status == 405 ? "不支持这种请求"
                                                                           : "请求有误"),
                                "text/html; charset=utf-8");
                return httplib::Server::HandlerResponse::Handled;
            }
            const std::string message = res.status == 404   ? "no such path: " + req.path
                                        : res.status == 413 ? too_large(req.path)
                                                            : "a malformed request";
            res.set_content(error_body(message), "application/json");
            return httplib::Server::HandlerResponse::Handled;
        }));
    // What a handler did not catch: a 500, and a log line saying what.
    server.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                    std::exception_ptr ep) {
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            spdlog::error("{} {} over HTTP: {}", req.method, req.path, e.what());
        } catch (...) {
            spdlog::error("{} {} over HTTP: an unknown exception", req.method, req.path);
        }
        res.status = 500;
        if (is_console_path(req.path)) {
            set_console_headers(res);
            res.set_content(html_error(500, "内部错误，日志里有原因"), "text/html; charset=utf-8");
        } else {
            res.set_content(error_body("internal error"), "application/json");
        }
    });
}

AdminServer::~AdminServer() {
    stop();
}

void AdminServer::on_post(const std::string& path, PostHandler handler) {
    on("POST", path,
       [handler = std::move(handler)](const HttpRequest& req) { return handler(req.body); });
}

void AdminServer::on_get(const std::string& path, GetHandler handler) {
    on("GET", path, std::move(handler));
}

void AdminServer::on(const std::string& method, const std::string& path, Handler handler) {
    impl_->methods[path].insert(method);
    auto serve = [handler = std::move(handler), impl = impl_.get()](const httplib::Request& req,
                                                                    httplib::Response& res) {
        if (req.body.size() > body_limit(req.path)) {  // chunked: no Content-Length to check
            res.status = 413;
            res.set_content(error_body(too_large(req.path)), "application/json");
            return;
        }
        const auto r = to_request(req);
        if (is_console_path(r.path)) {
            // A session's form must carry its CSRF token: a page of another
            // site can make the browser post here with the cookie, not with
            // the token. /login checks its own (there is no session yet).
            if (r.writes() && r.identity.kind == Identity::Kind::account && r.path != "/login" &&
                !(!r.csrf.empty() && same_secret(r.param("csrf"), r.csrf))) {
                res.status = 403;
                set_console_headers(res);
                res.set_content(html_error(403, "表单已过期，请返回刷新页面后再提交"),
                                "text/html; charset=utf-8");
                return;
            }
        }
        const bool once = impl->replays && r.writes() && req.path.starts_with("/api/v1/") &&
                          req.has_header("Idempotency-Key");
        const auto reply =
            once ? run_once(*impl->replays, r, r.header("Idempotency-Key"), handler, res)
                 : handler(r);
        res.status = reply.status;
        for (const auto& [name, value] : reply.headers)
            res.set_header(name, value);
        if (is_console_path(r.path)) set_console_headers(res);
        res.set_content(reply.body, reply.content_type);
    };
    auto& server = impl_->server;
    if (method == "GET")
        server.Get(path, std::move(serve));
    else if (method == "POST")
        server.Post(path, std::move(serve));
    else if (method == "PUT")
        server.Put(path, std::move(serve));
    else if (method == "PATCH")
        server.Patch(path, std::move(serve));
    else if (method == "DELETE")
        server.Delete(path, std::move(serve));
    else
        assert(!"AdminServer::on: GET, POST, PUT, PATCH or DELETE");
}

void AdminServer::set_key_checker(KeyChecker checker) {
    impl_->check_key = std::move(checker);
}

void AdminServer::set_session_checker(SessionChecker checker) {
    impl_->check_session = std::move(checker);
}

void AdminServer::set_idempotency_store(IdempotencyStore* store) {
    impl_->replays = store;
}

void check_admin_token(const AdminConfig& config, const std::string& token) {
    const auto& listen = config.listen;
    const auto address = parse_listen_address(listen);
    if (!address) throw ConfigError("admin.listen: expected host:port, got \"" + listen + "\"");
    if (token.empty() && !is_loopback_host(address->host)) {
        throw ConfigError("admin.listen: " + listen +
                          " is not a loopback address and no admin token is set: set "
                          "admin.token_file, admin.token_env or HUITOU_ADMIN_TOKEN, or "
                          "listen on 127.0.0.1");
    }
}

void AdminServer::start() {
    const auto& listen = impl_->config.listen;
    check_admin_token(impl_->config, impl_->token);
    if (impl_->token.empty()) {
        spdlog::warn(
            "admin server on {} without a token: anyone on this host may use it; consent opt-ins "
            "over HTTP are refused until admin.token_file, admin.token_env or "
            "HUITOU_ADMIN_TOKEN gives one",
            listen);
    }
    auto& server = impl_->server;
    // A known path asked with a method it does not take: 405, not 404.
    for (const auto& [path, methods] : impl_->methods) {
        std::string allow;
        for (const auto& m : methods)
            allow += (allow.empty() ? "" : ", ") + m;
        const auto refuse = [allow](const httplib::Request& req, httplib::Response& res) {
            res.status = 405;
            res.set_header("Allow", allow);
            if (is_console_path(req.path)) {
                set_console_headers(res);
                res.set_content(html_error(405, "不支持这种请求"), "text/html; charset=utf-8");
                return;
            }
            res.set_content(error_body(req.method + " is not allowed here; use " + allow),
                            "application/json");
        };
        if (!methods.contains("GET")) server.Get(path, refuse);
        if (!methods.contains("POST")) server.Post(path, refuse);
        if (!methods.contains("PUT")) server.Put(path, refuse);
        if (!methods.contains("DELETE")) server.Delete(path, refuse);
        if (!methods.contains("PATCH")) server.Patch(path, refuse);
    }
    impl_->port = bind_exclusively(server, impl_->config.listen, "admin.listen");
    impl_->listened = false;
    impl_->thread = std::thread([impl = impl_.get()] {
        impl->server.listen_after_bind();
        impl->listened = true;
    });
    // stop() only reaches a server that is running: wait until it is.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void AdminServer::stop() {
    if (!impl_ || !impl_->thread.joinable()) return;
    // stop() misses a server not yet listening (a loaded machine may take
    // longer than start()'s wait): stop until the thread has come out.
    while (!impl_->listened) {
        impl_->server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    impl_->thread.join();
}

int AdminServer::port() const {
    return impl_->port;
}

bool AdminServer::has_token() const {
    return !impl_->token.empty();
}

}  // namespace huitou
