#include <catch2/catch.hpp>

#include <random>

#include "core/backoff.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles per attempt, up to the cap, with half of it jittered") {
    const BackoffConfig policy{30s, 1800s};
    const auto [attempt, low, high] = GENERATE(table<int, long long, long long>({
        {1, 15, 30},
        {2, 30, 60},
        {3, 60, 120},
        {6, 480, 960},
        {7, 900, 1800},  // 1920 capped at 1800
        {50, 900, 1800},
        {1000, 900, 1800},
    }));
    CHECK(retry_backoff(attempt, policy, 0.0).count() == low);
    CHECK(retry_backoff(attempt, policy, 0.999999).count() == high);
}

TEST_CASE("backoff with a fixed seed: reproducible, spread, never below half") {
    const BackoffConfig policy{30s, 1800s};
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<long long> waits;
    for (int i = 0; i < 200; ++i)
        waits.push_back(retry_backoff(3, policy, unit(random)).count());
    std::mt19937_64 again(42);
    CHECK(retry_backoff(3, policy, unit(again)).count() == waits[0]);
    for (const auto w : waits) {
        CHECK(w >= 60);
        CHECK(w <= 120);
    }
    // Jitter spreads a burst of failures: many distinct waits, not one.
    std::sort(waits.begin(), waits.end());
    CHECK(std::unique(waits.begin(), waits.end()) - waits.begin() > 40);
}

TEST_CASE("backoff is at least a second, and tolerates odd input") {
    CHECK(retry_backoff(1, {1s, 1s}, 0.0) == 1s);
    CHECK(retry_backoff(0, {30s, 60s}, 2.0) == 30s);
    CHECK(retry_backoff(-5, {30s, 60s}, -1.0) == 15s);
}
