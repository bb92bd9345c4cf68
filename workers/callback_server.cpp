#include "workers/callback_server.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/api_key.h"
#include "io/http_listener.h"

namespace huitou {

CallbackServer::CallbackServer(std::string name, std::string secret)
    : name_(std::move(name)), secret_(std::move(secret)) {
    server_.set_exception_handler(
        [name = name_](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            try {
                if (ep) std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                spdlog::error("{}: {}: {}", name, req.path, e.what());
            } catch (...) {
                spdlog::error("{}: {}: an unknown exception", name, req.path);
            }
            res.status = 500;
        });
}

int CallbackServer::start(const std::string& listen, const std::string& key) {
    const int port = bind_exclusively(server_, listen, key);
    thread_ = std::thread([this] {
        server_.listen_after_bind();
        listened_ = true;
    });
    return port;
}

CallbackServer::~CallbackServer() {
    // httplib's stop() only reaches a server already listening: one stopped
    // before its thread got there would listen for ever (a test hung so,
    // once). Stop until the thread has come out.
    if (!thread_.joinable()) return;
    while (!listened_) {
        server_.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    thread_.join();
}

bool CallbackServer::authentic(const httplib::Request& req, httplib::Response& res) const {
    const auto key = req.get_param_value("key");
    if (!secret_.empty() && same_digest(key, secret_)) return true;
    spdlog::warn("{}: refused {} from {}: {} callback secret (key=)", name_, req.path,
                 req.remote_addr, key.empty() ? "no" : "a wrong");
    res.status = 403;
    return false;
}

}  // namespace huitou
