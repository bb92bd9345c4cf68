// http_server.h — a local HTTP server that plays a provider in a test.
//
// cpp-httplib on 127.0.0.1 and a free port, served from its own thread; the
// test registers handlers before start() and the destructor stops it. Every
// request is kept (method, path, params, headers, body) for the test to
// check what the provider would have received.
#pragma once

#include <httplib.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace huitou::test {

struct SeenRequest {
    std::string method;
    std::string path;
    std::multimap<std::string, std::string> params;
    std::multimap<std::string, std::string, httplib::detail::ci> headers;
    std::string body;

    std::string param(const std::string& name) const {
        const auto it = params.find(name);
        return it == params.end() ? std::string() : it->second;
    }
    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class HttpServer {
  public:
    HttpServer() {
        port_ = server_.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw std::runtime_error("test HTTP server: cannot bind");
        server_.set_logger([this](const httplib::Request& req, const httplib::Response&) {
            std::lock_guard lock(mutex_);
            SeenRequest seen{req.method, req.path, {}, {}, req.body};
            for (const auto& [k, v] : req.params)
                seen.params.emplace(k, v);
            for (const auto& [k, v] : req.headers)
                seen.headers.emplace(k, v);
            seen_.push_back(std::move(seen));
        });
    }
    ~HttpServer() {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    httplib::Server& server() { return server_; }
    void start() {
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    std::vector<SeenRequest> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::vector<SeenRequest> seen(const std::string& path) {
        std::lock_guard lock(mutex_);
        std::vector<SeenRequest> out;
        for (const auto& s : seen_)
            if (s.path == path) out.push_back(s);
        return out;
    }

  private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<SeenRequest> seen_;
};

}  // namespace huitou::test
