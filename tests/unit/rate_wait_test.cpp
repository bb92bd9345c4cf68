#include <catch2/catch.hpp>

#include <algorithm>
#include <queue>
#include <random>

#include "core/gcra.h"
#include "core/rate_wait.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

// The worker's account limit at 200/s, burst 10, guard 10 ms: T = 5,050 µs,
// tau = 50,500 µs (io/rate_limiter.cpp).
const GcraLimit account = GcraLimit::per(200, 1010ms, 10);

}  // namespace

TEST_CASE("rate wait: the spread doubles with each loss, up to the burst tolerance") {
    REQUIRE(account.emission_interval == 5050us);
    REQUIRE(account.burst_tolerance == 50500us);
    const auto [losses, spread] = GENERATE(table<int, long long>({
        {1, 5050},
        {2, 10100},
        {3, 20200},
        {4, 40400},
        {5, 50500},  // 80,800 capped at tau
        {1000000, 50500},
    }));
    CHECK(spread_rate_wait(7000us, account, losses, 0.0) == 7000us);
    CHECK(spread_rate_wait(7000us, account, losses, 1.0) ==
          7000us + std::chrono::microseconds(spread));
    CHECK(spread_rate_wait(7000us, account, losses, 0.5) ==
          7000us + std::chrono::microseconds(spread / 2));
}

TEST_CASE("rate wait: never shorter than gcra.lua's wait, and exact without a burst") {
    CHECK(spread_rate_wait(3000us, account, 3, -0.5) == 3000us);  // clamped
    CHECK(spread_rate_wait(3000us, account, 3, 7.0) == 3000us + 20200us);
    CHECK(spread_rate_wait(3000us, account, 9, 7.0) == 3000us + 50500us);
    const GcraLimit no_burst = GcraLimit::per(200, 1010ms, 0);
    for (const double u : {0.0, 0.3, 0.999})
        CHECK(spread_rate_wait(3000us, no_burst, 4, u) == 3000us);
}

// Many workers on one account, simulated against the real GCRA arithmetic
// with a fixed seed: each worker asks, and when refused sleeps the wait
// (exact, as before, or spread); when allowed it "calls the provider" for
// 300 µs and asks for its next job. Ten seconds of a backlog.
namespace {

struct Simulated {
    long long passes = 0;
    long long asks = 0;
    std::size_t most_in_a_second = 0;
    std::size_t most_in_a_second_later = 0;  // from 2 s on, the start's burst left out
};

Simulated simulate(int workers, bool spread, const GcraLimit& limit) {
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const GcraTime start{std::chrono::seconds(1'800'000'000)};
    const GcraTime end = start + 10s;
    using Wake = std::pair<GcraTime, int>;  // when, which worker
    std::priority_queue<Wake, std::vector<Wake>, std::greater<>> wakes;
    std::vector<int> losses(static_cast<std::size_t>(workers), 0);
    for (int w = 0; w < workers; ++w)
        wakes.push({start + std::chrono::microseconds(w), w});
    std::optional<GcraTime> tat;
    std::vector<GcraTime> passed;
    Simulated out;
    while (!wakes.empty() && wakes.top().first < end) {
        const auto [now, w] = wakes.top();
        wakes.pop();
        ++out.asks;
        const auto d = gcra_decide(limit, tat, now);
        auto& lost = losses[static_cast<std::size_t>(w)];
        if (d.verdict == GcraVerdict::allowed) {
            tat = d.new_tat;
            passed.push_back(now);
            lost = 0;
            wakes.push({now + 300us, w});
            continue;
        }
        REQUIRE(d.verdict == GcraVerdict::limited);
        ++lost;
        const auto sleep =
            spread ? spread_rate_wait(d.retry_after, limit, lost, unit(random)) : d.retry_after;
        wakes.push({now + sleep, w});
    }
    out.passes = static_cast<long long>(passed.size());
    std::size_t lo = 0;
    for (std::size_t hi = 0; hi < passed.size(); ++hi) {
        while (passed[hi] - passed[lo] >= 1s)
            ++lo;
        out.most_in_a_second = std::max(out.most_in_a_second, hi - lo + 1);
        if (passed[lo] >= start + 2s)
            out.most_in_a_second_later = std::max(out.most_in_a_second_later, hi - lo + 1);
    }
    return out;
}

}  // namespace

TEST_CASE("rate wait: 64 workers ask far less for the same calls, and the bound holds") {
    const auto exact = simulate(64, false, account);
    const auto spread = simulate(64, true, account);
    const double exact_asks = static_cast<double>(exact.asks) / static_cast<double>(exact.passes);
    const double spread_asks =
        static_cast<double>(spread.asks) / static_cast<double>(spread.passes);
    INFO("asks a call: exact " << exact_asks << ", spread " << spread_asks);
    INFO("calls: exact " << exact.passes << ", spread " << spread.passes);
    INFO("busiest second after the start: exact " << exact.most_in_a_second_later << ", spread "
                                                  << spread.most_in_a_second_later);
    // The exact wait: every waiter wakes for the same slot.
    CHECK(exact_asks > 30);
    CHECK(spread_asks < exact_asks / 3);
    // No capacity lost: in 10 s, 1 + burst at once and then one a T.
    const long long most = 1 + 10 + 10'000'000 / 5050;  // 1,991
    CHECK(exact.passes >= most - 2);
    CHECK(spread.passes >= most - 2);
    CHECK(spread.passes <= most);
    // GCRA's own bound (R + B in any window of 1 s + guard) is untouched.
    CHECK(spread.most_in_a_second <= 210);
    // After the start's burst the busiest second is the rate's: the late
    // askers' catch-up stays inside the TAT's pace.
    CHECK(spread.most_in_a_second_later <= 200);
}

TEST_CASE("rate wait: a few workers lose nothing either") {
    for (const int workers : {1, 2, 4, 16}) {
        const auto spread = simulate(workers, true, account);
        INFO(workers << " workers: " << spread.passes << " calls, " << spread.asks << " asks");
        CHECK(spread.passes >= 1 + 10 + 10'000'000 / 5050 - 2);
        CHECK(spread.most_in_a_second <= 210);
    }
}

TEST_CASE("rate wait: a decision is good for the guard, no longer") {
    CHECK(rate_decision_fresh(0ns, 10ms));
    CHECK(rate_decision_fresh(10ms, 10ms));
    CHECK_FALSE(rate_decision_fresh(10ms + 1ns, 10ms));
    CHECK_FALSE(rate_decision_fresh(2s, 10ms));
    // No guard, nothing to check against: the decision is used as it is.
    CHECK(rate_decision_fresh(2s, 0ms));
}
