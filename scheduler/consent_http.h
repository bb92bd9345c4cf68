// consent_http.h — POST /api/consent: a consent event from outside, over HTTP.
//
// The smallest honest entry point for what huitou does not receive itself:
// a WeChat unsubscribe (or subscribe) event relayed by the official
// account's message server, a POS or CRM recording a member's answer, a
// shop's own tools. The body is one JSON object:
//   {"store": "toyland", "channel": "wechat", "event": "opt_out",
//    "source": "wechat_event", "address": "oTOY_...", "detail": "unsubscribe"}
// with `member_id` instead of (or besides) `address`: the member's address on
// the channel is then looked up. Sources: wechat_event, api, counter. The
// event goes through ConsentStore::record (core/consent.h's rules: an opt-out
// is effective at once and cancels today's jobs to the address; an opt-in
// from here lifts a member's earlier refusal). An opt-in is taken only when
// the admin server requires its token: without one (loopback, no token) it
// is a 403, since anyone on the host could lift a member's opt-out; opt-outs
// are always taken. Answers 200 with what changed, 400 with what is wrong,
// 403 for a refused opt-in, 404 for an unknown member, 503 when Redis is
// away, 500 when Redis refuses the request (logged).
// Runs on the admin server's threads with its own Redis connection.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "io/redis_connection.h"
#include "scheduler/admin_server.h"

namespace huitou {

class ConsentHttpHandler {
  public:
    // Connects to Redis lazily. `config` and `clock` must outlive the handler.
    // `opt_in_allowed`: whether the server authenticates its callers
    // (AdminServer::has_token()); false refuses opt-ins.
    ConsentHttpHandler(const Config& config, RedisEndpoint redis, const Clock& clock,
                       bool opt_in_allowed);

    HttpReply operator()(std::string_view body);

  private:
    const Config& config_;
    RedisEndpoint endpoint_;
    const Clock& clock_;
    bool opt_in_allowed_;
    std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
};

}  // namespace huitou
