#include <catch2/catch.hpp>

#include "core/settlement.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {
const SysSeconds now{std::chrono::seconds(1'800'000'000)};
const BackoffConfig backoff{30s, 1800s};
constexpr auto kPause = 600s;
}  // namespace

TEST_CASE("settlement: a retry without a time waits the backoff for its attempt") {
    const auto [attempt, unit, wait] = GENERATE(table<int, double, long long>({
        {1, 0.0, 15}, {1, 0.999999, 30}, {3, 0.0, 60}, {7, 0.999999, 1800},  // capped
    }));
    const auto s =
        settle({Outcome::retry, std::nullopt, false}, attempt, backoff, kPause, now, unit);
    CHECK(s.outcome == Outcome::retry);
    REQUIRE(s.retry_at);
    CHECK(*s.retry_at == now + std::chrono::seconds(wait));
    CHECK_FALSE(s.pause_until);
    CHECK_FALSE(s.record_opt_out);
    CHECK_FALSE(s.unsure);
}

TEST_CASE("settlement: the provider's own retry time is kept") {
    const auto s = settle({Outcome::retry, now + 5s, false}, 1, backoff, kPause, now, 0.5);
    CHECK(s.retry_at == now + 5s);
}

TEST_CASE("settlement: a retry that may have reached the provider is unsure from now") {
    const auto s = settle({Outcome::retry, std::nullopt, true}, 2, backoff, kPause, now, 0.0);
    CHECK(s.unsure == now);
    CHECK(s.retry_at == now + 30s);
    SECTION("only a retry carries the mark: a sent or failed job is settled") {
        CHECK_FALSE(
            settle({Outcome::sent, std::nullopt, true}, 2, backoff, kPause, now, 0.0).unsure);
        CHECK_FALSE(
            settle({Outcome::failed, std::nullopt, true}, 2, backoff, kPause, now, 0.0).unsure);
    }
}

TEST_CASE("settlement: an account problem pauses the channel and the job waits for it") {
    SECTION("for account_pause when the provider gives no time") {
        const auto s =
            settle({Outcome::account_problem, std::nullopt, false}, 1, backoff, kPause, now, 0.0);
        CHECK(s.pause_until == now + 600s);
        CHECK(s.retry_at == now + 600s);
        CHECK(s.outcome == Outcome::account_problem);
    }
    SECTION("until the provider's time") {
        const auto s =
            settle({Outcome::account_problem, now + 90s, false}, 1, backoff, kPause, now, 0.0);
        CHECK(s.pause_until == now + 90s);
        CHECK(s.retry_at == now + 90s);
    }
    SECTION("at least a second, whatever the provider said") {
        const auto s =
            settle({Outcome::account_problem, now - 10s, false}, 1, backoff, kPause, now, 0.0);
        CHECK(s.pause_until == now + 1s);
        CHECK(s.retry_at == now + 1s);
    }
}

TEST_CASE("settlement: a lost consent records the opt-out — other outcomes as they are") {
    const auto lost =
        settle({Outcome::consent_lost, std::nullopt, false}, 1, backoff, kPause, now, 0.0);
    CHECK(lost.record_opt_out);
    CHECK_FALSE(lost.retry_at);
    CHECK_FALSE(lost.pause_until);
    const auto outcome = GENERATE(Outcome::sent, Outcome::failed, Outcome::unknown);
    const auto s = settle({outcome, std::nullopt, false}, 1, backoff, kPause, now, 0.0);
    CHECK(s.outcome == outcome);
    CHECK_FALSE(s.retry_at);
    CHECK_FALSE(s.pause_until);
    CHECK_FALSE(s.record_opt_out);
    CHECK_FALSE(s.unsure);
}
