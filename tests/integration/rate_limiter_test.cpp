// scripts/gcra.lua against a real Redis: several connections sharing one
// limit never pass R + B in any sliding window (checked on the script's own
// Redis TIME), recipient caps are all-or-none, and bad arguments are refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <thread>

#include "io/rate_limiter.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

// The most instants of `times` (sorted) in any half-open window [t, t + period).
std::size_t max_in_window(std::vector<GcraTime> times, std::chrono::microseconds period) {
    std::sort(times.begin(), times.end());
    std::size_t best = 0, lo = 0;
    for (std::size_t hi = 0; hi < times.size(); ++hi) {
        while (times[hi] - times[lo] >= period)
            ++lo;
        best = std::max(best, hi - lo + 1);
    }
    return best;
}

// `clients` threads, each on its own connection, take from `limit_for(i)`
// for `run` (real time), sleeping the wait they are told; the instants of
// every pass.
template <typename LimitFor>
std::vector<GcraTime> hammer(const TestRedis& server, int clients, std::chrono::milliseconds run,
                             LimitFor limit_for) {
    std::mutex mutex;
    std::vector<GcraTime> passes;
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            auto redis = server.connect();
            RateLimiter limiter(redis, "test", {});
            const auto until = std::chrono::steady_clock::now() + run;
            while (std::chrono::steady_clock::now() < until) {
                const auto d = limiter.decide({limit_for(i)});
                if (d.allowed()) {
                    std::lock_guard lock(mutex);
                    passes.push_back(d.at);
                } else {
                    std::this_thread::sleep_for(d.wait);
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    return passes;
}

}  // namespace

TEST_CASE("four connections sharing a limit never pass R + B in any sliding second") {
    TestRedis server;
    const auto limit = GcraLimit::per(100, 1s, 10);
    const auto shared = hammer(server, 4, 1500ms, [&](int) {
        return RateLimiter::Keyed{"hu:rate:{shared}", limit, "shared"};
    });
    INFO("passes: " << shared.size());
    CHECK(shared.size() > 110);  // more than one window's worth, or the check says nothing
    CHECK(max_in_window(shared, 1s) <= 110);

    SECTION("the same clients on one key each break it: the check can fail") {
        const auto separate = hammer(server, 4, 1200ms, [&](int i) {
            return RateLimiter::Keyed{"hu:rate:{own" + std::to_string(i) + "}", limit, "own"};
        });
        CHECK(max_in_window(separate, 1s) > 110);
    }
}

TEST_CASE("the account limit from config") {
    TestRedis server;
    auto redis = server.connect();
    SECTION("no rate configured: always allowed, nothing stored") {
        RateLimiter limiter(redis, "kannel:x", {});
        for (int i = 0; i < 5; ++i)
            CHECK(limiter.account().allowed());
        CHECK(redis.command({"DBSIZE"}).integer == 0);
    }
    SECTION("a rate of 2/s with burst 1: two pass at once, the third waits (1 s + guard) / 2") {
        RateLimitConfig c;
        c.per_second = 2;
        c.burst = 1;
        RateLimiter limiter(redis, "kannel:x", c);
        CHECK(limiter.account().allowed());
        CHECK(limiter.account().allowed());
        const auto d = limiter.account();
        REQUIRE_FALSE(d.allowed());
        CHECK(d.limit == "account rate");
        CHECK(d.wait > 450ms);
        CHECK(d.wait <= 505ms);  // the 10 ms default guard: T = 1.01 s / 2
        CHECK(redis.command({"EXISTS", RateLimiter::account_key("kannel:x")}).integer == 1);
    }
}

TEST_CASE("recipient caps: minute, hour and day decided together") {
    TestRedis server;
    auto redis = server.connect();
    RateLimitConfig c;
    c.recipient_per_minute = 1;
    c.recipient_per_day = 2;
    RateLimiter limiter(redis, "a", c);
    const std::string phone = "+8613800138000";
    CHECK(limiter.recipient(Channel::sms, phone).allowed());
    const auto day_key = RateLimiter::recipient_key(Channel::sms, phone, "day");
    const auto day_tat = redis.command({"GET", day_key}).str;
    REQUIRE_FALSE(day_tat.empty());

    const auto second = limiter.recipient(Channel::sms, phone);
    REQUIRE_FALSE(second.allowed());
    CHECK(second.limit == "per recipient per minute");
    CHECK(second.wait > 59s);
    CHECK(second.wait <= 60s);
    // The day cap would have passed, but nothing is charged unless all pass.
    CHECK(redis.command({"GET", day_key}).str == day_tat);

    // Another number, and the same number on WeChat, are other recipients.
    CHECK(limiter.recipient(Channel::sms, "+8613900139000").allowed());
    CHECK(limiter.recipient(Channel::wechat, phone).allowed());
}

TEST_CASE("gcra.lua refuses malformed arguments") {
    TestRedis server;
    auto redis = server.connect();
    LuaScript gcra("gcra");
    CHECK(gcra.run(redis, {"k"}, {"0", "0"}).is_error());
    CHECK(gcra.run(redis, {"k"}, {"1000"}).is_error());
    CHECK(gcra.run(redis, {"k", "k2"}, {"1000", "0"}).is_error());
    CHECK(gcra.run(redis, {"k"}, {"1000", "0", "0"}).is_error());
    const auto never = gcra.run(redis, {"k"}, {"1000", "0", "2"});
    REQUIRE(never.elements.size() == 4);
    CHECK(never.elements[1].integer == -1);
}
