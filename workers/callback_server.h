// callback_server.h — the HTTP server a provider calls back, inside huitou-sms.
//
// Kannel's reports and replies (workers/kannel_listener.h) and Aliyun's and
// Tencent's pushed receipts (workers/receipt_listener.h) come the same way:
// an HTTP request that could change jobs and consent, from a sender that
// signs nothing. So every request must carry the shared secret in its URL,
// key=<secret>, compared in constant time; without it the answer is 403 and
// nothing happens — every door knows who is knocking. The rest is the
// plumbing both listeners share: cpp-httplib on its own thread, the port held
// alone (io/http_listener.h), an exception a handler did not catch answered
// 500 and logged (never its text in a header, httplib's default), and a stop
// that waits for the listening thread to have come out.
#pragma once

#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>

namespace huitou {

class CallbackServer {
  public:
    // `name` prefixes log lines ("kannel"); `secret` must not be empty.
    CallbackServer(std::string name, std::string secret);
    ~CallbackServer();  // stops serving
    CallbackServer(const CallbackServer&) = delete;
    CallbackServer& operator=(const CallbackServer&) = delete;

    // Register routes here before `start`.
    httplib::Server& server() { return server_; }

    // Binds `listen` ("host:port"; port 0 picks a free one) and serves in the
    // background; returns the port. Throws ConfigError naming `key` when it
    // cannot bind.
    int start(const std::string& listen, const std::string& key);

    // Whether `req` carries the secret as key=; when not, answers 403 and logs
    // (without the request's query: it may hold a wrong guess of the secret).
    bool authentic(const httplib::Request& req, httplib::Response& res) const;

  private:
    std::string name_;
    std::string secret_;
    std::atomic<bool> listened_{false};  // listen_after_bind has returned
    httplib::Server server_;
    std::thread thread_;
};

}  // namespace huitou
