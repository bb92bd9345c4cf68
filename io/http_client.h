// http_client.h — HTTP requests to providers: libcurl, wrapped once.
//
// One easy handle per client (so keep-alive connections are reused), owned
// by a unique_ptr; a request is a value, a response is a value. An answer
// from the server — any status, 200 or 503 — is a response: what it means
// is the provider's business. Only a transport failure throws HttpError, and
// it says whether the request may have reached the server: a refused
// connection did not, a timeout after the request was written might have —
// and a non-idempotent send must not be repeated blindly then.
// Not thread-safe: one client per thread. TLS verification is libcurl's
// default (on, system CA store).
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

class HttpError : public std::runtime_error {
  public:
    HttpError(const std::string& what, bool maybe_sent)
        : std::runtime_error(what), maybe_sent_(maybe_sent) {}
    // True when the server may have received the whole request.
    bool maybe_sent() const { return maybe_sent_; }

  private:
    bool maybe_sent_;
};

struct OutgoingRequest {
    std::string method = "GET";  // GET or POST
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // POST body
    std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
    long status = 0;
    std::string body;
};

class HttpClient {
  public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Performs `request`. Throws HttpError on transport failure.
    HttpResponse perform(const OutgoingRequest& request);

  private:
    struct Free {
        void operator()(void* handle) const;
    };
    std::unique_ptr<void, Free> handle_;
};

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~ as %XX.
std::string percent_encode(std::string_view text);

// The inverse; '+' becomes a space (form encoding). Malformed escapes are kept.
std::string percent_decode(std::string_view text);

}  // namespace huitou
