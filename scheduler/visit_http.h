// visit_http.h — POST /api/visits: a point-of-sale system reports a visit over HTTP.
//
// The body is the visit message of core/visit_wire.h (the JSON object alone).
// The handler runs on the admin server's threads, so it owns its Redis
// connection, used under a mutex (visits are a few a second, not thousands).
// Answers: 200 with what the visit changed ({"outcome": "latest" | "earlier"
// | "duplicate", ...}: sending a visit again is harmless), 400 with what is
// wrong with it, 503 when Redis cannot be reached (the POS should retry),
// 500 when Redis refuses the request (RedisReplyError, logged: retrying
// will not help).
// A 2xx means the visit is in Redis.
#pragma once

#include <mutex>
#include <string_view>

#include <nlohmann/json.hpp>
#include "core/clock.h"
#include "core/config.h"

#include "io/redis_connection.h"
#include "io/visit_store.h"
#include "scheduler/admin_server.h"

namespace huitou {

// What a recorded visit changed, as /api/visits answers it (and the visit
// events of /api/v1/stores/<S>/events): outcome, member_known, state,
// cycle_days, cancelled_reminders, lapse_date (active and returned members).
nlohmann::json visit_answer(const VisitRecorded& r);

class VisitHttpHandler {
  public:
    // Connects to Redis lazily, on the first request. `config` and `clock`
    // must outlive the handler.
    VisitHttpHandler(const Config& config, RedisEndpoint redis, const Clock& clock);

    HttpReply operator()(std::string_view body);

    // Requests answered 400 (malformed or refused visits) so far.
    std::size_t rejected() const;

  private:
    const Config& config_;
    RedisEndpoint endpoint_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
    std::size_t rejected_ = 0;
};

}  // namespace huitou
