// kannel_listener.h — what Kannel tells the SMS worker: delivery reports and
// members' replies, over HTTP.
//
// An HTTP server (cpp-httplib) inside huitou-sms, on its own thread with its
// own Redis connection, on loopback unless sms.kannel.listen says otherwise.
// Every request must carry the shared secret, key=<sms.kannel.callback_secret>
// (compared in constant time): anyone who can reach the port could otherwise
// mark jobs delivered or opt members out; without it the answer is 403 and
// nothing is recorded.
//   GET /kannel/dlr?key=K&store=S&job=J&type=%d   Kannel's dlr-url: type 1
//       (delivered) moves the job sent → delivered; 2 (not delivered) and
//       16 (rejected by the SMSC) are kept on the job; 4 and 8 noted.
//   GET /kannel/mo?key=K&from=%p&to=%P&text=%a    the get-url for replies: an
//       unsubscribe reply (core/opt_out_reply.h) is recorded as an opt-out
//       (io/consent_store.h) for the store(s) the receiver number belongs to.
// Attribution: the receiver (%P) is matched against the stores' sms_from. A
// number shared by several stores, or one no store claims, cannot be pinned
// to one store — and a refusal must never be lost — so the opt-out is
// recorded for every store it could belong to: all stores sending through
// this gateway when nobody claims it. Answers are empty 200s (the sms-service
// must not turn them into reply SMS: max-messages = 0). Refusals: 403 without
// the secret, 400 for a report naming no job of ours or a reply naming no
// sender; 503 when Redis is away, 500 when it refuses the request (logged).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/redis_url.h"

namespace huitou {

// The stores an MO sent to `receiver` belongs to, and whether the receiver
// named them (false: no store claims it, so all stores are returned).
struct Attribution {
    std::vector<std::string> stores;
    bool attributed = false;
};
Attribution attribute_receiver(const Config& config, const std::string& receiver);

class KannelListener {
  public:
    // Binds `listen` ("host:port"; port 0 picks a free one), never sharing the
    // port (io/http_listener.h); requests must carry `secret` (not empty) as
    // key=. Throws ConfigError if it cannot bind (taken, not local),
    // RedisError if Redis is unreachable.
    KannelListener(const Config& config, const RedisEndpoint& redis, const Clock& clock,
                   const std::string& listen, std::string secret);
    ~KannelListener();
    KannelListener(const KannelListener&) = delete;
    KannelListener& operator=(const KannelListener&) = delete;

    int port() const { return port_; }

  private:
    struct State;
    std::unique_ptr<State> state_;
    int port_ = 0;
};

}  // namespace huitou
