#include "tests/console/console_fixture.h"

#include <stdexcept>

#include "io/random_bytes.h"

namespace huitou::test {

namespace {

std::string random_token(std::size_t bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : random_bytes(bytes, "a test session"))
        out += {hex[c >> 4], hex[c & 15]};
    return out;
}

}  // namespace

ConsoleFixture::ConsoleFixture(std::string now_text, bool plan, const std::string& job_storage)
    : now(std::move(now_text)) {
    env = {"HUITOU_REDIS_URL=" + redis_server.url(), "HUITOU_NOW=" + now, "HUITOU_LOG_LEVEL=warn"};
    const auto imported = huitou({"import", source("demo/members.csv")});
    if (imported.status != 0) throw std::runtime_error("import: " + imported.out + imported.err);
    if (plan) {
        // Unix sockets in a folder of its own: a TCP port picked free can be
        // taken by a test running beside this one before the scheduler binds
        // it (seen once: "cannot bind tcp://127.0.0.1:18880").
        const TempDir sockets;
        std::vector<std::string> args{bin("huitou-scheduler"),
                                      "--once",
                                      "--set",
                                      "scheduler.once_wait_seconds=1",
                                      "--set",
                                      "endpoints.sms=ipc://" + sockets.file("sms.ipc"),
                                      "--set",
                                      "endpoints.wechat=ipc://" + sockets.file("wechat.ipc"),
                                      "--set",
                                      "endpoints.results=ipc://" + sockets.file("results.ipc")};
        if (!job_storage.empty()) {
            args.push_back("--set");
            args.push_back("scheduler.job_storage=" + job_storage);
        }
        const auto once = run(args, env);
        if (once.status != 0 && once.status != 3)
            throw std::runtime_error("scheduler --once: " + once.out + once.err);
    }
    CommonOptions common;
    common.redis_url = redis_server.url();
    common.now = now;
    rt = make_runtime(common);
    rt.config.admin.listen = "127.0.0.1:0";
    templates = load_templates(rt.config);
    console = std::make_unique<Console>(rt.config, templates, rt.redis, *rt.clock);
    server = std::make_unique<AdminServer>(rt.config.admin, "");
    server->set_session_checker([this](std::string_view token) -> std::optional<ConsoleSession> {
        const auto it = sessions.find(std::string(token));
        if (it == sessions.end()) return std::nullopt;
        return it->second;
    });
}

ConsoleFixture::~ConsoleFixture() {
    if (server) server->stop();
}

void ConsoleFixture::start() {
    if (http_) return;
    console->add_to(*server);
    server->start();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    http_->set_connection_timeout(5);
    http_->set_read_timeout(30);
}

std::string ConsoleFixture::session(const std::string& login, std::vector<std::string> stores,
                                    std::string role) {
    ConsoleSession s;
    s.who.kind = Identity::Kind::account;
    s.who.id = login;
    s.who.name = login;
    s.who.scope = Scope::write;
    s.who.all_stores = stores.empty();
    s.who.stores = std::move(stores);
    s.who.role = role.empty() ? (s.who.all_stores ? "owner" : "staff") : std::move(role);
    s.csrf = random_token(16);
    const std::string token = random_token(24);
    sessions[token] = s;
    return token;
}

std::string ConsoleFixture::csrf(const std::string& token) const {
    return sessions.at(token).csrf;
}

httplib::Result ConsoleFixture::get(const std::string& path, const std::string& token) {
    start();
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Cookie", std::string(kSessionCookie) + "=" + token);
    return http_->Get(path.c_str(), headers);
}

httplib::Result ConsoleFixture::post(const std::string& path, const httplib::Params& form,
                                     const std::string& token) {
    start();
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Cookie", std::string(kSessionCookie) + "=" + token);
    return http_->Post(path.c_str(), headers, form);
}

RunResult ConsoleFixture::huitou(std::vector<std::string> args) {
    args.insert(args.begin(), bin("huitou"));
    return run(args, env);
}

}  // namespace huitou::test
