#include <catch2/catch.hpp>

#include <string>

#include "core/dispatch_flow.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

const Monotonic t0{std::chrono::hours(24)};
const SysSeconds clock_now{std::chrono::seconds(1'800'000'000)};

std::string key(int i) {
    return "s1|job" + std::to_string(i);
}

// Pushes `n` jobs on `channel` at `at`, keys from `first`.
void push(DispatchFlow& flow, Channel channel, int first, int n, Monotonic at) {
    for (int i = first; i < first + n; ++i)
        flow.pushed(channel, key(i), at);
}

}  // namespace

TEST_CASE("dispatch flow: before any push, claims are whole batches up to the store's room") {
    DispatchFlow flow(200, 300s);
    flow.begin_round(t0);
    CHECK(flow.limit() == 800);  // 4 batches
    CHECK(flow.min_claim() == 50);
    CHECK_FALSE(flow.busy(Channel::sms, t0));
    CHECK(flow.claim_size(t0, 5000, true) == 200);
    CHECK(flow.claim_size(t0, 70, true) == 70);
    CHECK(flow.claim_size(t0, 0, true) == 0);
    CHECK(flow.claim_size(t0, -3, true) == 0);
    // No worker is busy: claiming goes on even with nothing writable (it
    // is what expires jobs past their time).
    CHECK(flow.claim_size(t0, 5000, false) == 200);
}

TEST_CASE("dispatch flow: a push makes its channel busy for 10 s") {
    DispatchFlow flow(200, 300s);
    flow.pushed(Channel::sms, key(1), t0);
    CHECK(flow.busy(Channel::sms, t0));
    CHECK(flow.busy(Channel::sms, t0 + 9999ms));
    CHECK_FALSE(flow.busy(Channel::sms, t0 + 10s));
    CHECK_FALSE(flow.busy(Channel::wechat, t0));
    SECTION("a job that could not be pushed is due again at once on a busy channel") {
        CHECK(flow.due_again(Channel::sms, t0 + 5s, clock_now, 60s) == clock_now);
    }
    SECTION("and after retry_delay on a channel nobody took a job from lately") {
        CHECK(flow.due_again(Channel::wechat, t0 + 5s, clock_now, 60s) == clock_now + 60s);
        CHECK(flow.due_again(Channel::sms, t0 + 11s, clock_now, 60s) == clock_now + 60s);
    }
}

TEST_CASE("dispatch flow: while the workers are busy, claims fill only the limit's room") {
    DispatchFlow flow(200, 300s);
    flow.begin_round(t0);
    push(flow, Channel::sms, 0, 700, t0);
    CHECK(flow.in_flight() == 700);
    CHECK(flow.claim_size(t0, 5000, true) == 100);  // 800 − 700
    CHECK(flow.claim_size(t0, 30, true) == 30);     // the store's room is smaller
    CHECK(flow.claim_size(t0, 5000, false) == 0);   // no socket can take one
    push(flow, Channel::sms, 700, 60, t0);
    CHECK(flow.claim_size(t0, 5000, true) == 0);  // 40 left: below a quarter batch
    SECTION("results free room") {
        for (int i = 0; i < 60; ++i)
            flow.landed(key(i));
        CHECK(flow.in_flight() == 700);
        CHECK(flow.claim_size(t0, 5000, true) == 100);
    }
    SECTION("once the channel is no longer busy, a whole batch again") {
        CHECK(flow.claim_size(t0 + 10s, 5000, false) == 200);
    }
}

TEST_CASE("dispatch flow: a blocked push while busy sets the limit to what is in flight") {
    DispatchFlow flow(200, 300s);
    flow.begin_round(t0);
    push(flow, Channel::sms, 0, 300, t0);
    flow.push_blocked(Channel::sms, t0);
    CHECK(flow.limit() == 300);
    CHECK(flow.claim_size(t0, 5000, true) == 0);

    SECTION("never below two quarter batches") {
        for (int i = 0; i < 290; ++i)
            flow.landed(key(i));
        flow.push_blocked(Channel::sms, t0);
        CHECK(flow.limit() == 100);
    }
    SECTION("a second with a blocked push does not widen it") {
        flow.begin_round(t0 + 1s);
        CHECK(flow.limit() == 300);
        SECTION("each second without one widens it a quarter batch, up to 4 batches") {
            flow.begin_round(t0 + 1500ms);  // the same second: no change
            CHECK(flow.limit() == 300);
            flow.begin_round(t0 + 2s);
            CHECK(flow.limit() == 350);
            for (int s = 3; s < 30; ++s)
                flow.begin_round(t0 + std::chrono::seconds(s));
            CHECK(flow.limit() == 800);
        }
    }
    SECTION("the limit widened by time is what a claim may fill") {
        flow.begin_round(t0 + 1s);
        flow.begin_round(t0 + 2s);
        flow.begin_round(t0 + 3s);
        CHECK(flow.limit() == 400);
        CHECK(flow.claim_size(t0 + 3s, 5000, true) == 100);
    }
}

TEST_CASE("dispatch flow: a blocked push on a channel nobody serves says nothing") {
    DispatchFlow flow(200, 300s);
    flow.begin_round(t0);
    push(flow, Channel::sms, 0, 300, t0);
    flow.push_blocked(Channel::wechat, t0);
    CHECK(flow.limit() == 800);
    // And it widens on the next second, as no busy push was blocked.
    flow.push_blocked(Channel::sms, t0);
    flow.begin_round(t0 + 1s);
    flow.begin_round(t0 + 2s);
    CHECK(flow.limit() == 350);
}

TEST_CASE("dispatch flow: what has had no result for the ack timeout is forgotten") {
    DispatchFlow flow(200, 300s);
    push(flow, Channel::sms, 0, 10, t0);
    push(flow, Channel::sms, 10, 5, t0 + 100s);
    flow.forget_stale(t0 + 300s);
    CHECK(flow.in_flight() == 15);  // exactly the timeout: not yet
    flow.forget_stale(t0 + 301s);
    CHECK(flow.in_flight() == 5);
    flow.forget_stale(t0 + 401s);
    CHECK(flow.in_flight() == 0);
}

TEST_CASE("dispatch flow: a job pushed again counts once, from its last push") {
    DispatchFlow flow(4, 300s);
    CHECK(flow.min_claim() == 1);
    flow.pushed(Channel::wechat, key(1), t0);
    flow.pushed(Channel::wechat, key(1), t0 + 200s);
    CHECK(flow.in_flight() == 1);
    flow.forget_stale(t0 + 301s);
    CHECK(flow.in_flight() == 1);
    flow.landed(key(1));
    flow.landed(key(1));  // twice: the worker's result and Redis's requeue
    CHECK(flow.in_flight() == 0);
}
