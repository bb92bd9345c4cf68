// rate_limiter.h — a provider account's send rate and a recipient's caps,
// shared by every worker through Redis.
//
// GCRA (core/gcra.h) applied by scripts/gcra.lua with Redis TIME as the one
// clock, so N worker processes on any hosts together never pass a limit:
// per(R, 1 s, B) lets at most R + B through in any sliding second. Two
// questions, asked separately because they are answered differently:
//   account(...)    may this worker call the provider now? If not, the exact
//                   wait — the worker sleeps it, plus a random share that
//                   keeps the waiting workers from all asking again at once
//                   (core/rate_wait.h); the job is not dropped, nothing spins.
//   recipient(...)  may this address get one more message? Minute, hour and
//                   day caps are decided together (all charged or none); if
//                   not, the wait until the next window — the job is retried
//                   then, never "now".
// Keys: hu:rate:{<account>} for an account (a provider account, not a
// store's: stores share it), hu:rate:{<channel>:<address>}:<window> for a
// recipient (across stores and providers: the carrier counts the number).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/gcra.h"
#include "core/job.h"
#include "core/provider_config.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct RateDecision {
    enum class Verdict { allowed, limited, never };
    Verdict verdict = Verdict::allowed;
    std::chrono::microseconds wait{0};  // limited: the shortest wait that could pass
    std::string limit;                  // limited/never: which limit ("per day", ...)
    GcraTime at{};                      // the decision's instant, in Redis TIME
    bool allowed() const { return verdict == Verdict::allowed; }
};

class RateLimiter {
  public:
    // `account` names the provider account (ProviderConfig::account()).
    RateLimiter(RedisConnection& redis, std::string account, const RateLimitConfig& config);

    // One send on the account. Always allowed when the config sets no rate.
    // Throws RedisError.
    RateDecision account();
    // The account's limit as account() applies it (meaningless when the
    // config sets no rate): the worker spreads its waits by it (core/rate_wait.h).
    GcraLimit account_limit() const;

    // One message to `address` on `channel`, against the per-minute, -hour
    // and -day caps (those set). Throws RedisError.
    RateDecision recipient(Channel channel, const std::string& address);

    // A limit as keys, intervals and the script's answer, for tests and the
    // benchmark: decide `limits` (key, limit) together at cost 1.
    struct Keyed {
        std::string key;
        GcraLimit limit;
        std::string name;
    };
    RateDecision decide(const std::vector<Keyed>& limits);

    static std::string account_key(const std::string& account);
    static std::string recipient_key(Channel channel, const std::string& address,
                                     std::string_view window);

  private:
    RedisConnection& redis_;
    std::string account_;
    RateLimitConfig config_;
    LuaScript script_;
};

}  // namespace huitou
