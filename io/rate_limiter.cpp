#include "io/rate_limiter.h"

namespace huitou {

using namespace std::chrono_literals;

RateLimiter::RateLimiter(RedisConnection& redis, std::string account, const RateLimitConfig& config)
    : redis_(redis), account_(std::move(account)), config_(config), script_("gcra") {}

std::string RateLimiter::account_key(const std::string& account) {
    return "hu:rate:{" + account + "}";
}

std::string RateLimiter::recipient_key(Channel channel, const std::string& address,
                                       std::string_view window) {
    return "hu:rate:{" + std::string(to_string(channel)) + ":" + address +
           "}:" + std::string(window);
}

RateDecision RateLimiter::decide(const std::vector<Keyed>& limits) {
    if (limits.empty()) return {};
    std::vector<std::string> keys, args;
    for (const auto& l : limits) {
        keys.push_back(l.key);
        args.push_back(std::to_string(l.limit.emission_interval.count()));
        args.push_back(std::to_string(l.limit.burst_tolerance.count()));
    }
    const auto reply = script_.run(redis_, keys, args);
    reply.expect_ok("gcra");
    if (reply.elements.size() != 3 + limits.size())
        throw RedisReplyError(
            "gcra", "unexpected reply of " + std::to_string(reply.elements.size()) + " elements");
    RateDecision d;
    d.at = GcraTime{std::chrono::microseconds{reply.elements.back().integer}};
    if (reply.elements[0].integer == 1) return d;
    d.verdict = reply.elements[1].integer < 0 ? RateDecision::Verdict::never
                                              : RateDecision::Verdict::limited;
    d.wait = std::chrono::microseconds(std::max<long long>(0, reply.elements[1].integer));
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const long long w = reply.elements[2 + i].integer;
        if (w != 0 && (d.limit.empty() || w == reply.elements[1].integer)) d.limit = limits[i].name;
    }
    return d;
}

GcraLimit RateLimiter::account_limit() const {
    // per(R, 1 s + guard, B): R + B in any window of 1 s + guard, so the
    // provider's one-second windows hold at most R + B even when a send
    // leaves up to `guard` later than its decision.
    const std::chrono::microseconds period = 1s + config_.guard;
    return GcraLimit::per(std::max(1, config_.per_second), period, config_.burst);
}

RateDecision RateLimiter::account() {
    if (config_.per_second <= 0) return {};
    return decide({{account_key(account_), account_limit(), "account rate"}});
}

RateDecision RateLimiter::recipient(Channel channel, const std::string& address) {
    // "At most N in any sliding window" is per(1, P, N - 1): N at once, then
    // one per P (core/gcra.h).
    std::vector<Keyed> limits;
    const auto add = [&](int n, std::chrono::microseconds period, std::string_view window) {
        if (n > 0)
            limits.push_back({recipient_key(channel, address, window),
                              GcraLimit::per(1, period, n - 1),
                              "per recipient per " + std::string(window)});
    };
    add(config_.recipient_per_minute, 60s, "minute");
    add(config_.recipient_per_hour, 3600s, "hour");
    add(config_.recipient_per_day, 86400s, "day");
    return decide(limits);
}

}  // namespace huitou
