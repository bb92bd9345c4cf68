// Accounts, passwords and sessions end to end: accounts made by the real
// `huitou user` CLI (password on stdin), signing in over HTTP to the real
// admin server with the real AccountStore as its session checker
// (io/account_store.h, console/login_page.h), time moved on the console's
// fixed clock.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/api_key.h"
#include "io/account_store.h"
#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

constexpr const char* kBossPassword = "correct horse 1";
constexpr const char* kStaffPassword = "玩具店小李的密码";

// The console with the real session checker (before the first request).
struct AccountsFixture {
    explicit AccountsFixture(bool secure_cookies = false) {
        f.rt.config.console.secure_cookies = secure_cookies;
        checker = std::make_unique<AccountSessionChecker>(f.rt.redis, *f.rt.clock,
                                                          f.rt.config.console.session);
        f.server->set_session_checker(std::ref(*checker));
        f.start();
        http = std::make_unique<httplib::Client>("127.0.0.1", f.server->port());
    }

    RunResult user(std::vector<std::string> args, const std::string& input = "") {
        args.insert(args.begin(), {bin("huitou"), "user"});
        return run_with_input(args, f.env, input);
    }

    void add_boss_and_staff() {
        const auto boss =
            user({"add", "boss", "--role", "owner", "--all"}, std::string(kBossPassword) + "\n");
        REQUIRE(boss.status == 0);
        const auto staff = user({"add", "xiaoli", "--role", "staff", "--store", "toyland"},
                                std::string(kStaffPassword) + "\n");
        REQUIRE(staff.status == 0);
    }

    FixedClock& clock() { return dynamic_cast<FixedClock&>(*f.rt.clock); }

    ConsoleFixture f{"2027-09-15T12:00:00+08:00", false};
    std::unique_ptr<AccountSessionChecker> checker;
    std::unique_ptr<httplib::Client> http;
};

// Every Set-Cookie header of `r`.
std::vector<std::string> set_cookies(const httplib::Result& r) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < r->get_header_value_count("Set-Cookie"); ++i)
        out.push_back(r->get_header_value("Set-Cookie", i));
    return out;
}

// The Set-Cookie header that sets `name`, or "".
std::string set_cookie(const httplib::Result& r, const std::string& name) {
    for (const auto& c : set_cookies(r))
        if (c.starts_with(name + "=")) return c;
    return {};
}

// The value a Set-Cookie header gives its cookie.
std::string cookie_value(const std::string& header) {
    const auto eq = header.find('=');
    const auto end = header.find(';');
    return header.substr(eq + 1, end - eq - 1);
}

// The value of the form's hidden input `name` in `html`.
std::string hidden(const std::string& html, const std::string& name) {
    const auto at = html.find("name=\"" + name + "\" value=\"");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 15;
    return html.substr(start, html.find('"', start) - start);
}

struct LoginForm {
    std::string cookie;  // huitou_login's value
    std::string field;   // the form's csrf field
};

LoginForm get_form(httplib::Client& http) {
    const auto r = http.Get("/login");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return {cookie_value(set_cookie(r, "huitou_login")), hidden(r->body, "csrf")};
}

// Posts the login form as a browser would (cookie and field from GET /login).
httplib::Result log_in(httplib::Client& http, const std::string& username,
                       const std::string& password, const std::string& next = "",
                       const std::string& session = "") {
    const auto form = get_form(http);
    std::string cookie = "huitou_login=" + form.cookie;
    if (!session.empty()) cookie += "; huitou_session=" + session;
    httplib::Params fields{{"username", username}, {"password", password}, {"csrf", form.field}};
    if (!next.empty()) fields.emplace("next", next);
    return http.Post("/login", {{"Cookie", cookie}}, fields);
}

// The session token a successful sign-in set.
std::string session_of(const httplib::Result& r) {
    REQUIRE(r);
    REQUIRE(r->status == 303);
    const auto header = set_cookie(r, "huitou_session");
    REQUIRE_FALSE(header.empty());
    return cookie_value(header);
}

// Where GET / sends the session `token`: its store's page, or /login.
std::string home_of(ConsoleFixture& f, const std::string& token) {
    const auto r = f.get("/", token);
    REQUIRE(r);
    REQUIRE(r->status == 303);
    return r->get_header_value("Location");
}

// Everything under {accounts} in Redis, keys and values, as one text.
std::string accounts_in_redis(ConsoleFixture& f) {
    RedisConnection redis(f.rt.redis);
    std::string all;
    const auto keys = redis.command({"KEYS", "hu:{accounts}:*"});
    for (const auto& k : keys.elements) {
        all += k.str + "\n";
        const auto type = redis.command({"TYPE", k.str});
        const auto values = type.str == "hash" ? redis.command({"HGETALL", k.str})
                                               : redis.command({"SMEMBERS", k.str});
        for (const auto& v : values.elements)
            all += "  " + v.str + "\n";
    }
    return all;
}

void save_page(const std::string& name, const std::string& html) {
    const std::string dir = std::string(HUITOU_BIN_DIR) + "/console-pages";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/" + name + ".html") << html;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("huitou user: add with the password on stdin, list, and bad input refused", "[console]") {
    AccountsFixture a;
    a.add_boss_and_staff();

    SECTION("the list, as text and JSON, never with a hash") {
        const auto text = a.user({"list"});
        CHECK(text.status == 0);
        CHECK(has(text.out, "boss  owner  *  enabled  last login never"));
        CHECK(has(text.out, "xiaoli  staff  toyland  enabled"));
        const auto json = a.user({"list", "--json"});
        REQUIRE(json.status == 0);
        const auto users = nlohmann::json::parse(json.out).at("users");
        REQUIRE(users.size() == 2);
        CHECK(users[0]["login"] == "boss");
        CHECK(users[0]["role"] == "owner");
        CHECK(users[0]["stores"] == "*");
        CHECK(users[0]["disabled"] == false);
        CHECK(users[0]["last_login_at"].is_null());
        CHECK(users[1]["login"] == "xiaoli");
        CHECK(users[1]["stores"] == nlohmann::json::array({"toyland"}));
        CHECK_FALSE(has(json.out, "argon2"));
    }
    SECTION("Redis holds an Argon2id hash, never the password") {
        const auto redis = accounts_in_redis(a.f);
        CHECK(has(redis, "$argon2id$v=19$m=65536,t=2,p=1$"));
        CHECK_FALSE(has(redis, kBossPassword));
        CHECK_FALSE(has(redis, kStaffPassword));
    }
    SECTION("bad input is refused with a message naming it, and adds nothing") {
        const std::string pw = "long enough 1\n";
        const auto all_staff = a.user({"add", "li", "--role", "staff", "--all"}, pw);
        CHECK(all_staff.status == 2);
        CHECK(has(all_staff.err, "exactly one store"));
        const auto two =
            a.user({"add", "li", "--role", "staff", "--stores", "toyland,babycare"}, pw);
        CHECK(two.status == 2);
        const auto unknown = a.user({"add", "li", "--role", "staff", "--store", "nosuch"}, pw);
        CHECK(unknown.status == 2);
        CHECK(has(unknown.err, "--store nosuch: not a store"));
        const auto short_pw =
            a.user({"add", "li", "--role", "staff", "--store", "toyland"}, "short\n");
        CHECK(short_pw.status == 2);
        CHECK(has(short_pw.err, "at least 8 characters"));
        const auto none = a.user({"add", "li", "--role", "staff", "--store", "toyland"}, "");
        CHECK(none.status == 2);
        CHECK(has(none.err, "no password"));
        const auto name = a.user({"add", "Li Lei", "--role", "staff", "--store", "toyland"}, pw);
        CHECK(name.status == 2);
        CHECK(has(name.err, "login name \"Li Lei\""));
        const auto taken = a.user({"add", "boss", "--role", "owner", "--all"}, pw);
        CHECK(taken.status == 2);
        CHECK(has(taken.err, "an account has it"));
        CHECK(a.user({"disable", "ghost"}).status == 3);
        CHECK(a.user({"passwd", "ghost"}, pw).status == 3);
        const auto users = nlohmann::json::parse(a.user({"list", "--json"}).out).at("users");
        CHECK(users.size() == 2);
    }
}

TEST_CASE("signing in over HTTP: the form, the cookie, the stores, signing out", "[console]") {
    AccountsFixture a;
    a.add_boss_and_staff();

    SECTION("the form carries the ids the browser test clicks, and a login cookie") {
        const auto r = a.http->Get("/login?next=/stores/toyland/today");
        REQUIRE(r);
        CHECK(r->status == 200);
        save_page("login", r->body);
        for (const char* id : {"<form id=\"login\"", "id=\"username\"", "id=\"password\"",
                               "id=\"login-submit\"", "type=\"password\""}) {
            INFO(id);
            CHECK(has(r->body, id));
        }
        CHECK(hidden(r->body, "next") == "/stores/toyland/today");
        CHECK_FALSE(has(r->body, "login-error"));  // no message before a try
        const auto cookie = set_cookie(r, "huitou_login");
        CHECK(has(cookie, "HttpOnly"));
        CHECK(has(cookie, "SameSite=Strict"));
        CHECK_FALSE(has(cookie, "Secure"));
        CHECK(cookie_value(cookie) == hidden(r->body, "csrf"));
        CHECK(cookie_value(cookie).size() == 52);
    }
    SECTION("staff signs in into its own store; another store is the same 404 as none") {
        const auto r = log_in(*a.http, "XiaoLi ", kStaffPassword, "/stores/toyland/today");
        const auto token = session_of(r);
        CHECK(r->get_header_value("Location") == "/stores/toyland/today");
        const auto cookie = set_cookie(r, "huitou_session");
        CHECK(has(cookie, "; Path=/"));
        CHECK(has(cookie, "HttpOnly"));
        CHECK(has(cookie, "SameSite=Strict"));
        CHECK_FALSE(has(cookie, "Secure"));
        CHECK(has(set_cookie(r, "huitou_login"), "Max-Age=0"));
        CHECK(home_of(a.f, token) == "/stores/toyland/today");
        const auto other = a.f.get("/stores/babycare", token);
        const auto none = a.f.get("/stores/nosuchstore", token);
        REQUIRE(other);
        REQUIRE(none);
        CHECK(other->status == 404);
        CHECK(other->body == none->body);
        CHECK(a.f.get("/stores/toyland", token)->status == 303);
        // The frame names who is signed in.
        CHECK(has(other->body, "xiaoli"));

        // Redis keeps the token's SHA-256, never the token.
        const auto redis = accounts_in_redis(a.f);
        CHECK_FALSE(has(redis, token));
        CHECK(has(redis, "hu:{accounts}:s:" + api_key_digest(token)));
        const auto listed = nlohmann::json::parse(a.user({"list", "--json"}).out).at("users");
        CHECK(listed[1]["last_login_at"] == "2027-09-15T04:00:00+00:00");
    }
    SECTION("the owner sees every store") {
        const auto token = session_of(log_in(*a.http, "boss", kBossPassword));
        CHECK(home_of(a.f, token) == "/stores/babycare/today");
        CHECK(a.f.get("/stores/toyland", token)->status == 303);
    }
    SECTION("a token that came with the request is never kept") {
        const auto first = session_of(log_in(*a.http, "boss", kBossPassword));
        const auto second = session_of(log_in(*a.http, "boss", kBossPassword, "", first));
        CHECK(second != first);
        CHECK(home_of(a.f, first) == "/login");
        CHECK(home_of(a.f, second) == "/stores/babycare/today");
    }
    SECTION("next goes only to a path of this server") {
        for (const char* away :
             {"//evil.example", "/\\evil.example", "https://evil.example", "/\t/evil.example"}) {
            INFO(away);
            const auto r = log_in(*a.http, "boss", kBossPassword, away);
            session_of(r);
            CHECK(r->get_header_value("Location") == "/");
        }
        const auto r = log_in(*a.http, "boss", kBossPassword, "/stores/toyland/results");
        session_of(r);
        CHECK(r->get_header_value("Location") == "/stores/toyland/results");
    }
    SECTION("signing out ends the session and clears the cookie; it needs the CSRF token") {
        const auto token = session_of(log_in(*a.http, "xiaoli", kStaffPassword));
        CHECK(a.f.post("/logout", {}, token)->status == 403);
        CHECK(home_of(a.f, token) == "/stores/toyland/today");
        const auto page = a.f.get("/stores/babycare", token);
        const auto csrf = hidden(page->body, "csrf");
        REQUIRE(csrf.size() == 52);
        const auto r = a.f.post("/logout", {{"csrf", csrf}}, token);
        REQUIRE(r);
        CHECK(r->status == 303);
        CHECK(r->get_header_value("Location") == "/login");
        CHECK(has(set_cookie(r, "huitou_session"), "Max-Age=0"));
        CHECK(home_of(a.f, token) == "/login");
        CHECK_FALSE(has(accounts_in_redis(a.f), api_key_digest(token)));
    }
}

TEST_CASE("cookies are Secure when the console is behind TLS", "[console]") {
    AccountsFixture a(true);
    a.add_boss_and_staff();
    const auto r = log_in(*a.http, "boss", kBossPassword);
    session_of(r);
    CHECK(has(set_cookie(r, "huitou_session"), "; Secure"));
    CHECK(has(set_cookie(a.http->Get("/login"), "huitou_login"), "; Secure"));
}

TEST_CASE("the login form's own CSRF check: a double-submit cookie", "[console]") {
    AccountsFixture a;
    a.add_boss_and_staff();
    const auto form = get_form(*a.http);
    const httplib::Params right{
        {"username", "boss"}, {"password", kBossPassword}, {"csrf", form.field}};
    SECTION("no cookie") {
        const auto r = a.http->Post("/login", right);
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(has(r->body, "登录页面已过期"));
        CHECK(set_cookie(r, "huitou_session").empty());
    }
    SECTION("another cookie") {
        const auto other = get_form(*a.http);
        const auto r = a.http->Post("/login", {{"Cookie", "huitou_login=" + other.cookie}}, right);
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(set_cookie(r, "huitou_session").empty());
    }
    SECTION("no field") {
        const auto r =
            a.http->Post("/login", {{"Cookie", "huitou_login=" + form.cookie}},
                         httplib::Params{{"username", "boss"}, {"password", kBossPassword}});
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(set_cookie(r, "huitou_session").empty());
    }
    SECTION("both, the same: signed in") {
        const auto r = a.http->Post("/login", {{"Cookie", "huitou_login=" + form.cookie}}, right);
        session_of(r);
    }
}

TEST_CASE("five wrong passwords in a row slow the account down, known or not", "[console]") {
    AccountsFixture a;
    a.add_boss_and_staff();
    for (int i = 1; i <= 4; ++i) {
        INFO(i);
        const auto r = log_in(*a.http, "xiaoli", "wrong password");
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(has(r->body, "用户名或密码不正确"));
        CHECK(has(r->body, "id=\"login-error\""));
        CHECK(set_cookie(r, "huitou_session").empty());
    }
    auto r = log_in(*a.http, "xiaoli", "wrong password");
    REQUIRE(r);
    CHECK(r->status == 429);
    save_page("login-slowed", r->body);
    CHECK(has(r->body, "尝试次数过多，请 1 分钟后再试"));
    // Even the right password waits, without being checked.
    r = log_in(*a.http, "xiaoli", kStaffPassword);
    REQUIRE(r);
    CHECK(r->status == 429);
    CHECK(r->get_header_value("Retry-After") == "30");
    CHECK(set_cookie(r, "huitou_session").empty());
    // Another account is not slowed by it.
    session_of(log_in(*a.http, "boss", kBossPassword));

    a.clock().advance(seconds(29));
    CHECK(log_in(*a.http, "xiaoli", kStaffPassword)->status == 429);
    a.clock().advance(seconds(1));
    session_of(log_in(*a.http, "xiaoli", kStaffPassword));
    // The right password reset the count: one wrong one is a 401 again.
    CHECK(log_in(*a.http, "xiaoli", "wrong password")->status == 401);

    // A name that does not exist answers the same, word for word, and slows
    // down the same: wrong answers do not tell which names exist.
    const auto known = log_in(*a.http, "boss", "wrong password");
    const auto unknown = log_in(*a.http, "ghost", "wrong password");
    REQUIRE(known);
    REQUIRE(unknown);
    CHECK(unknown->status == known->status);
    CHECK(hidden(unknown->body, "csrf") != hidden(known->body, "csrf"));
    CHECK(has(unknown->body, "用户名或密码不正确"));
    // What was typed comes back in the form as text, never as markup.
    const auto markup = log_in(*a.http, "\"><script>alert(1)</script>", "wrong password");
    REQUIRE(markup);
    CHECK(markup->status == 401);
    CHECK_FALSE(has(markup->body, "<script>alert"));
    CHECK(has(markup->body, "&lt;script&gt;"));
    for (int i = 2; i <= 4; ++i)
        CHECK(log_in(*a.http, "ghost", "wrong password")->status == 401);
    CHECK(log_in(*a.http, "ghost", "wrong password")->status == 429);
}

TEST_CASE("disabling an account or changing its password ends its sessions", "[console]") {
    AccountsFixture a;
    a.add_boss_and_staff();
    const auto token = session_of(log_in(*a.http, "xiaoli", kStaffPassword));
    const auto boss = session_of(log_in(*a.http, "boss", kBossPassword));
    REQUIRE(home_of(a.f, token) == "/stores/toyland/today");

    REQUIRE(a.user({"disable", "xiaoli"}).status == 0);
    CHECK(home_of(a.f, token) == "/login");
    CHECK_FALSE(has(accounts_in_redis(a.f), api_key_digest(token)));
    CHECK(home_of(a.f, boss) == "/stores/babycare/today");  // others stay
    auto r = log_in(*a.http, "xiaoli", kStaffPassword);
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(has(r->body, "账号已停用"));
    CHECK(set_cookie(r, "huitou_session").empty());
    // A wrong password for a disabled account says nothing of it.
    r = log_in(*a.http, "xiaoli", "wrong password");
    CHECK(r->status == 401);
    CHECK_FALSE(has(r->body, "账号已停用"));
    CHECK(nlohmann::json::parse(a.user({"list", "--json"}).out)["users"][1]["disabled"] == true);

    REQUIRE(a.user({"enable", "xiaoli"}).status == 0);
    const auto again = session_of(log_in(*a.http, "xiaoli", kStaffPassword));
    const auto passwd = a.user({"passwd", "xiaoli"}, "a brand new one\n");
    REQUIRE(passwd.status == 0);
    CHECK(home_of(a.f, again) == "/login");
    CHECK(log_in(*a.http, "xiaoli", kStaffPassword)->status == 401);
    session_of(log_in(*a.http, "xiaoli", "a brand new one"));
}

TEST_CASE("a session ends after 30 idle minutes, and 12 hours after it began", "[console]") {
    AccountsFixture a;
    a.add_boss_and_staff();
    SECTION("idle") {
        const auto token = session_of(log_in(*a.http, "xiaoli", kStaffPassword));
        a.clock().advance(minutes(29));
        CHECK(home_of(a.f, token) == "/stores/toyland/today");  // and touched
        a.clock().advance(minutes(29));
        CHECK(home_of(a.f, token) == "/stores/toyland/today");
        a.clock().advance(minutes(30));
        CHECK(home_of(a.f, token) == "/login");
        CHECK_FALSE(has(accounts_in_redis(a.f), api_key_digest(token)));
    }
    SECTION("lifetime, however busy") {
        const auto token = session_of(log_in(*a.http, "boss", kBossPassword));
        for (int i = 0; i < 28; ++i) {  // every 25 minutes: 11 h 40 min
            a.clock().advance(minutes(25));
            REQUIRE(home_of(a.f, token) == "/stores/babycare/today");
        }
        a.clock().advance(minutes(20));  // 12 h
        CHECK(home_of(a.f, token) == "/login");
    }
}
