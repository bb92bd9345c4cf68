#include "console/login_page.h"

#include <spdlog/spdlog.h>

#include "core/account.h"
#include "core/api_key.h"
#include "core/local_path.h"
#include "core/login_throttle.h"
#include "io/account_store.h"
#include "io/password_hash.h"
#include "io/random_bytes.h"

namespace huitou {
namespace {

constexpr std::string_view kLoginCookie = "huitou_login";

const char* const kWrong = "用户名或密码不正确。";
const char* const kDisabled = "账号已停用，请找店长或管理员。";
const char* const kExpired = "登录页面已过期，请再登录一次。";

std::string wait_message(SysSeconds until, SysSeconds now) {
    return "尝试次数过多，请 " + std::to_string(login_wait_minutes(until, now)) + " 分钟后再试。";
}

// A with_redis answer that means "done, go on" (no page to send).
HttpReply carry_on() {
    return HttpReply{0, {}};
}

// The login name for a log line: the folded name when it could be one,
// else a placeholder (what was typed may hold anything, newlines too).
std::string loggable(const std::string& login) {
    return check_login_name(login).empty() ? login : "(not a login name)";
}

}  // namespace

void LoginPage::add_to(AdminServer& server) {
    server.on_get("/login", [this](const HttpRequest& req) { return form(req); });
    server.on("POST", "/login", [this](const HttpRequest& req) { return log_in(req); });
    server.on("POST", "/logout", [this](const HttpRequest& req) { return log_out(req); });
}

std::string LoginPage::cookie(std::string_view name, std::string_view value, std::string_view path,
                              bool expire) const {
    std::string c = std::string(name) + "=" + std::string(value) + "; Path=" + std::string(path) +
                    "; HttpOnly; SameSite=Strict";
    if (expire) c += "; Max-Age=0";
    if (ctx_.config().console.secure_cookies) c += "; Secure";
    return c;
}

HttpReply LoginPage::refuse(const HttpRequest& req, const std::string& message, int status,
                            const std::string& username) {
    const auto token = base32_lower(random_bytes(32, "a login form's CSRF token"));
    nlohmann::json data{
        {"csrf", token}, {"next", local_path_or_root(req.param("next"))}, {"username", username}};
    // An empty string is still "there" to mustache: leave the key out.
    if (!message.empty()) data["message"] = message;
    auto reply = ctx_.page(req, {"登录", "", ConsoleTab::none}, render_view("login", data), status);
    reply.headers.emplace_back("Set-Cookie", cookie(kLoginCookie, token, "/login", false));
    return reply;
}

HttpReply LoginPage::form(const HttpRequest& req) {
    if (req.identity.kind == Identity::Kind::account)
        return HttpReply::redirect(local_path_or_root(req.param("next")));
    return refuse(req, "", 200, "");
}

HttpReply LoginPage::log_in(const HttpRequest& req) {
    const auto login = fold_login_name(req.param("username"));
    const auto password = req.param("password");
    const auto& remote = req.remote_addr;
    const auto presented = req.param("csrf");
    if (presented.empty() || !same_digest(presented, req.cookie(kLoginCookie))) {
        spdlog::warn("console login: {} from {} refused: the form's CSRF token is missing or stale",
                     loggable(login), remote);
        return refuse(req, kExpired, 403, login);
    }
    std::lock_guard one_at_a_time(checking_);
    const auto now = ctx_.clock().now();
    const bool valid_name = check_login_name(login).empty();
    LoginState state;
    if (valid_name) {
        auto read = ctx_.with_redis(req, "login", [&](RedisConnection& redis) {
            state = AccountStore(redis).login_state(login);
            return carry_on();
        });
        if (read.status != 0) return read;
    }
    if (state.wait_until > now) {
        spdlog::warn("console login: {} from {} refused: slowed down after {} wrong passwords",
                     login, remote, state.failures);
        auto reply = refuse(req, wait_message(state.wait_until, now), 429, login);
        reply.headers.emplace_back("Retry-After", std::to_string((state.wait_until - now).count()));
        return reply;
    }
    // The check costs the same whether or not the name exists.
    bool matched = false;
    if (state.account)
        matched = verify_password(state.hash, password);
    else
        spend_password_check(password);

    if (!matched) {
        SysSeconds until = now;
        if (valid_name) {
            auto wrote = ctx_.with_redis(req, "login", [&](RedisConnection& redis) {
                until = AccountStore(redis).record_failure(login, now);
                return carry_on();
            });
            if (wrote.status != 0) return wrote;
        }
        spdlog::warn("console login: {} from {} refused: wrong name or password ({} in a row)",
                     loggable(login), remote, state.failures + 1);
        if (until > now) {
            auto reply = refuse(req, wait_message(until, now), 429, login);
            reply.headers.emplace_back("Retry-After", std::to_string((until - now).count()));
            return reply;
        }
        return refuse(req, kWrong, 401, login);
    }
    if (state.account->disabled) {
        spdlog::warn("console login: {} from {} refused: the account is disabled", login, remote);
        return refuse(req, kDisabled, 403, login);
    }
    const auto rehash = password_needs_rehash(state.hash) ? hash_password(password) : "";
    OpenedSession session;
    auto wrote = ctx_.with_redis(req, "login", [&](RedisConnection& redis) {
        AccountStore accounts(redis);
        accounts.record_success(login, now, rehash);
        // Never keep a token that came with the request.
        if (const auto old = req.cookie(kSessionCookie); !old.empty()) accounts.close_session(old);
        session = accounts.open_session(login, now, ctx_.config().console.session);
        return carry_on();
    });
    if (wrote.status != 0) return wrote;
    spdlog::info("console login: {} ({}) signed in from {}", login, to_string(state.account->role),
                 remote);
    auto reply = HttpReply::redirect(local_path_or_root(req.param("next")));
    reply.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, session.token, "/", false));
    reply.headers.emplace_back("Set-Cookie", cookie(kLoginCookie, "", "/login", true));
    return reply;
}

HttpReply LoginPage::log_out(const HttpRequest& req) {
    if (const auto token = req.cookie(kSessionCookie); !token.empty()) {
        auto closed = ctx_.with_redis(req, "logout", [&](RedisConnection& redis) {
            AccountStore(redis).close_session(token);
            return carry_on();
        });
        if (closed.status != 0) return closed;
    }
    if (req.identity.kind == Identity::Kind::account)
        spdlog::info("console logout: {} from {}", req.identity.id, req.remote_addr);
    auto reply = HttpReply::redirect("/login");
    reply.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", "/", true));
    return reply;
}

}  // namespace huitou
