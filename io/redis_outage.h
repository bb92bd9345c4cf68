// redis_outage.h — riding out a Redis that is away: back off, reconnect, go on.
//
// Every long-running program (the scheduler, the workers) does the same when
// Redis fails: its main loop catches the RedisError, says so, waits 100 ms
// doubling to 10 s, reconnects, and runs the loop again. Nothing is lost
// meanwhile, because nothing lives only in a process's memory. This is that
// one piece, shared, so the programs cannot drift apart: the same backoff,
// the same log lines ("Redis is away …", "Redis is back after 12 s"), the
// same prompt exit on SIGTERM (the wait wakes on a stop request).
//
// It also covers the start: a program started before Redis waits for it
// (connect_when_up) instead of exiting, so start order does not matter.
// Lua scripts need nothing here: LuaScript loads them again on NOSCRIPT, which
// is what a restarted Redis without persistence of its script cache answers.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "io/redis_connection.h"

namespace huitou {

class RedisOutage {
  public:
    explicit RedisOutage(std::chrono::milliseconds first_wait = std::chrono::milliseconds(100),
                         std::chrono::milliseconds max_wait = std::chrono::seconds(10));

    // After `error` from a pass of the main loop: logs, waits (less if a stop
    // is requested) and tries once to reconnect `redis`. Never throws
    // RedisError: the loop's next pass finds out whether Redis is back.
    void recover(RedisConnection& redis, const RedisError& error);

    // After a pass that reached Redis: ends an outage (logging how long it
    // lasted) and resets the backoff.
    void reached();

    bool ongoing() const { return since_.has_value(); }
    std::size_t outages() const { return outages_; }

    // Connects to `endpoint`, waiting for it with the same backoff; nullopt
    // only when a stop was requested first. Never throws RedisError.
    static std::optional<RedisConnection> connect_when_up(const RedisEndpoint& endpoint);

    // The wait after `previous` (zero for the first): doubling, within bounds.
    // Pure; here because nothing else needs it.
    static std::chrono::milliseconds next_wait(std::chrono::milliseconds previous,
                                               std::chrono::milliseconds first,
                                               std::chrono::milliseconds max);

  private:
    void wait();

    std::chrono::milliseconds first_wait_, max_wait_, wait_{0};
    std::optional<std::chrono::steady_clock::time_point> since_;
    std::size_t outages_ = 0;
};

}  // namespace huitou
