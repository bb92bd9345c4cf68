// GCRA on a simulated clock: no sleeps, every instant chosen by the test.
#include "core/gcra.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <random>
#include <vector>

using namespace std::chrono_literals;
using huitou::GcraDecision;
using huitou::GcraLimit;
using huitou::GcraTime;
using huitou::GcraVerdict;
using std::chrono::microseconds;

namespace {

const GcraTime t0 = GcraTime{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}};

// One key in the store: what Redis holds, decided atomically per call.
struct Store {
    std::optional<GcraTime> tat;

    GcraDecision request(const GcraLimit& limit, GcraTime now, std::int64_t cost = 1) {
        const GcraDecision d = huitou::gcra_decide(limit, tat, now, cost);
        if (d.verdict == GcraVerdict::allowed) tat = d.new_tat;
        return d;
    }
};

struct Passed {
    GcraTime at;
    std::int64_t cost;
};

// Largest total cost passed in any half-open window [t, t + width). The
// maximum is reached by a window that starts at a pass, so a two-pointer
// sweep over the sorted passes sees every candidate.
std::int64_t max_window_cost(std::vector<Passed> passed, microseconds width) {
    std::sort(passed.begin(), passed.end(), [](auto& a, auto& b) { return a.at < b.at; });
    std::int64_t best = 0, sum = 0;
    std::size_t end = 0;
    for (std::size_t start = 0; start < passed.size(); ++start) {
        while (end < passed.size() && passed[end].at < passed[start].at + width) {
            sum += passed[end++].cost;
        }
        best = std::max(best, sum);
        sum -= passed[start].cost;
    }
    return best;
}

}  // namespace

TEST_CASE("a limit is an emission interval and a burst tolerance", "[gcra]") {
    SECTION("10 per second, no burst") {
        const auto l = GcraLimit::per(10, 1s, 0);
        CHECK(l.emission_interval == 100ms);
        CHECK(l.burst_tolerance == 0us);
    }
    SECTION("the interval rounds up, so the rate is never exceeded") {
        const auto l = GcraLimit::per(3, 1s, 2);
        CHECK(l.emission_interval == 333334us);
        CHECK(l.burst_tolerance == 666668us);
    }
    SECTION("Tencent's 'same number and content: 1 per 30 s'") {
        CHECK(GcraLimit::per(1, 30s, 0).emission_interval == 30s);
    }
}

TEST_CASE("steady arrivals", "[gcra]") {
    const auto limit = GcraLimit::per(10, 1s, 0);
    Store store;
    SECTION("exactly at the rate: every one passes") {
        for (int i = 0; i < 1000; ++i) {
            REQUIRE(store.request(limit, t0 + i * 100ms).verdict == GcraVerdict::allowed);
        }
    }
    SECTION("1 ms too fast: the second is held back 1 ms, exactly") {
        REQUIRE(store.request(limit, t0).verdict == GcraVerdict::allowed);
        const auto d = store.request(limit, t0 + 99ms);
        CHECK(d.verdict == GcraVerdict::limited);
        CHECK(d.retry_after == 1ms);
        CHECK_FALSE(d.new_tat.has_value());
        CHECK(store.request(limit, t0 + 100ms).verdict == GcraVerdict::allowed);
    }
}

TEST_CASE("bursts", "[gcra]") {
    const auto limit = GcraLimit::per(10, 1s, 4);
    Store store;
    SECTION("B + 1 pass at once from idle, the next waits one interval") {
        for (int i = 0; i < 5; ++i) {
            REQUIRE(store.request(limit, t0).verdict == GcraVerdict::allowed);
        }
        const auto d = store.request(limit, t0);
        CHECK(d.verdict == GcraVerdict::limited);
        CHECK(d.retry_after == 100ms);
        CHECK(store.request(limit, t0 + 100ms).verdict == GcraVerdict::allowed);
        CHECK(store.request(limit, t0 + 100ms).retry_after == 100ms);
    }
    SECTION("the stored TAT runs ahead by at most tau + T and expires then") {
        GcraDecision last;
        for (int i = 0; i < 5; ++i)
            last = store.request(limit, t0);
        CHECK(*last.new_tat == t0 + 500ms);
        CHECK(last.expire_after == 500ms);
    }
}

TEST_CASE("long idle refills the burst, and no more", "[gcra]") {
    const auto limit = GcraLimit::per(10, 1s, 4);
    Store store;
    for (int i = 0; i < 5; ++i)
        store.request(limit, t0);
    const GcraTime later = t0 + 1h;
    SECTION("a TAT in the past is the same as none") {
        const auto with_old = huitou::gcra_decide(limit, store.tat, later);
        const auto with_none = huitou::gcra_decide(limit, std::nullopt, later);
        CHECK(with_old.verdict == with_none.verdict);
        CHECK(with_old.new_tat == with_none.new_tat);
    }
    SECTION("after an hour idle, exactly B + 1 pass at once again") {
        int passed = 0;
        for (int i = 0; i < 20; ++i) {
            if (store.request(limit, later).verdict == GcraVerdict::allowed) ++passed;
        }
        CHECK(passed == 5);
    }
}

TEST_CASE("cost greater than one", "[gcra]") {
    const auto limit = GcraLimit::per(10, 1s, 4);
    Store store;
    SECTION("a cost of B + 1 uses the whole burst") {
        CHECK(store.request(limit, t0, 5).verdict == GcraVerdict::allowed);
        const auto d = store.request(limit, t0, 1);
        CHECK(d.verdict == GcraVerdict::limited);
        CHECK(d.retry_after == 100ms);
    }
    SECTION("a cost of 3 after using 4 waits for two intervals") {
        REQUIRE(store.request(limit, t0, 4).verdict == GcraVerdict::allowed);
        const auto d = store.request(limit, t0, 3);
        CHECK(d.verdict == GcraVerdict::limited);
        CHECK(d.retry_after == 200ms);
        CHECK(store.request(limit, t0 + 199ms, 3).verdict == GcraVerdict::limited);
        CHECK(store.request(limit, t0 + 200ms, 3).verdict == GcraVerdict::allowed);
    }
    SECTION("a cost above B + 1 can never pass, whatever the wait") {
        CHECK(store.request(limit, t0, 6).verdict == GcraVerdict::never);
        CHECK(store.request(limit, t0 + 24h, 6).verdict == GcraVerdict::never);
        CHECK_FALSE(store.tat.has_value());
    }
}

TEST_CASE("retry_after is exact: one microsecond earlier is still too early", "[gcra]") {
    std::mt19937_64 rng(20240501);
    const auto limit = GcraLimit::per(7, 1s, 3);
    for (int trial = 0; trial < 2000; ++trial) {
        std::optional<GcraTime> tat;
        if (rng() % 4 != 0) tat = t0 + microseconds{static_cast<std::int64_t>(rng() % 2000000)};
        const GcraTime now = t0 + microseconds{static_cast<std::int64_t>(rng() % 1000000)};
        const std::int64_t cost = 1 + static_cast<std::int64_t>(rng() % 4);
        const auto d = huitou::gcra_decide(limit, tat, now, cost);
        if (d.verdict != GcraVerdict::limited) continue;
        REQUIRE(d.retry_after > 0us);
        CHECK(huitou::gcra_decide(limit, tat, now + d.retry_after - 1us, cost).verdict ==
              GcraVerdict::limited);
        CHECK(huitou::gcra_decide(limit, tat, now + d.retry_after, cost).verdict ==
              GcraVerdict::allowed);
    }
}

TEST_CASE("sliding-window bound: at most R + B per period, by brute force", "[gcra]") {
    // clang-format off
    const auto [rate, burst] = GENERATE(table<std::int64_t, std::int64_t>({
        {1, 0}, {3, 0}, {3, 2}, {7, 3}, {10, 0}, {10, 5}, {100, 20}, {3000, 300},
    }));
    // clang-format on
    const bool with_costs = GENERATE(false, true);
    CAPTURE(rate, burst, with_costs);
    const auto limit = GcraLimit::per(rate, 1s, burst);
    std::mt19937_64 rng(static_cast<std::uint64_t>(rate * 1000 + burst) + with_costs);

    // Attempts at random times over 60 s, in bursts separated by idle gaps so
    // the burst refills now and then: 5 times more demand than the rate.
    const std::int64_t attempts = 60 * (rate + burst) * 5;
    std::vector<GcraTime> times;
    times.reserve(static_cast<std::size_t>(attempts));
    std::uniform_int_distribution<std::int64_t> at(0, 60'000'000);
    for (std::int64_t i = 0; i < attempts; ++i)
        times.push_back(t0 + microseconds{at(rng)});
    std::sort(times.begin(), times.end());
    // Clear out a few idle seconds so bursts happen mid-stream too.
    std::erase_if(times, [](GcraTime t) {
        const auto s = std::chrono::duration_cast<std::chrono::seconds>(t - t0).count();
        return s % 15 == 7 || s % 15 == 8;
    });

    Store store;
    std::vector<Passed> passed;
    std::int64_t passed_cost = 0;
    const std::int64_t max_cost = std::min<std::int64_t>(3, burst + 1);
    for (GcraTime now : times) {
        const std::int64_t cost = with_costs ? 1 + static_cast<std::int64_t>(rng() % max_cost) : 1;
        if (store.request(limit, now, cost).verdict == GcraVerdict::allowed) {
            passed.push_back({now, cost});
            passed_cost += cost;
        }
    }

    const std::int64_t worst = max_window_cost(passed, 1s);
    CHECK(worst <= rate + burst);
    // Not vacuous: under this much demand some window comes within a cost (or
    // 1 %) of the bound, and throughput over the 52 busy seconds is near the
    // rate. (Not all of it: a request arriving after its slot does not get
    // the slot back — that is what makes the bound hold.)
    CHECK(worst >= rate + burst - max_cost - (rate + burst) / 100);
    CHECK(passed_cost >= 40 * rate);
}

TEST_CASE("many clients share one TAT", "[gcra]") {
    const auto limit = GcraLimit::per(10, 1s, 4);
    std::mt19937_64 rng(7);

    SECTION("interleaved clients together stay within R + B per second") {
        // Five workers, each trying at its own random instants; the store (as
        // Redis does) applies their calls one at a time in arrival order.
        struct Attempt {
            GcraTime at;
            int client;
        };
        std::vector<Attempt> attempts;
        std::uniform_int_distribution<std::int64_t> at(0, 30'000'000);
        for (int client = 0; client < 5; ++client) {
            for (int i = 0; i < 600; ++i)
                attempts.push_back({t0 + microseconds{at(rng)}, client});
        }
        std::sort(attempts.begin(), attempts.end(),
                  [](const Attempt& a, const Attempt& b) { return a.at < b.at; });

        Store shared;
        std::vector<Store> separate(5);
        std::vector<Passed> passed_shared, passed_separate;
        std::vector<int> per_client(5, 0);
        for (const auto& a : attempts) {
            if (shared.request(limit, a.at).verdict == GcraVerdict::allowed) {
                passed_shared.push_back({a.at, 1});
                ++per_client[static_cast<std::size_t>(a.client)];
            }
            if (separate[static_cast<std::size_t>(a.client)].request(limit, a.at).verdict ==
                GcraVerdict::allowed) {
                passed_separate.push_back({a.at, 1});
            }
        }
        CHECK(max_window_cost(passed_shared, 1s) <= 14);
        for (int n : per_client)
            CHECK(n > 0);  // nobody is starved out entirely
        // The checker is not blind: a TAT per worker lets five times the rate through.
        CHECK(max_window_cost(passed_separate, 1s) > 14);
    }

    SECTION("clients that sleep for retry_after use the full rate without polling") {
        // Four workers each have 25 messages ready at t0. A limited worker
        // comes back exactly after retry_after; ties go in worker order.
        using Event = std::pair<GcraTime, int>;  // (when, worker)
        std::priority_queue<Event, std::vector<Event>, std::greater<>> due;
        std::vector<int> left(4, 25);
        for (int w = 0; w < 4; ++w)
            due.push({t0, w});
        Store shared;
        std::vector<Passed> passed;
        int calls = 0;
        while (!due.empty()) {
            const auto [now, w] = due.top();
            due.pop();
            ++calls;
            const auto d = shared.request(limit, now);
            if (d.verdict == GcraVerdict::allowed) {
                passed.push_back({now, 1});
                if (--left[static_cast<std::size_t>(w)] > 0) due.push({now, w});
            } else {
                REQUIRE(d.verdict == GcraVerdict::limited);
                due.push({now + d.retry_after, w});
            }
        }
        REQUIRE(passed.size() == 100);
        // 5 at once, then one per 100 ms: the 100th at t0 + 95 × 100 ms.
        CHECK(passed.back().at == t0 + 9500ms);
        CHECK(max_window_cost(passed, 1s) == 14);
        // Each limited call is followed by a pass at the instant it names, so
        // calls stay within passes + one wasted call per worker per pass.
        CHECK(calls <= 100 + 100 * 3);
    }
}

TEST_CASE("per-recipient limits are the same arithmetic", "[gcra]") {
    const auto day = std::chrono::duration_cast<microseconds>(24h);
    SECTION("'2 a day' as 2 at once, then one per day: per(1, 24h, 1)") {
        const auto limit = GcraLimit::per(1, day, 1);
        Store phone;
        CHECK(phone.request(limit, t0).verdict == GcraVerdict::allowed);
        CHECK(phone.request(limit, t0 + 1min).verdict == GcraVerdict::allowed);
        const auto d = phone.request(limit, t0 + 2min);
        CHECK(d.verdict == GcraVerdict::limited);
        CHECK(d.retry_after == day - 2min);
    }
    SECTION("'2 a day' spaced evenly: per(2, 24h, 0)") {
        const auto limit = GcraLimit::per(2, day, 0);
        Store phone;
        CHECK(phone.request(limit, t0).verdict == GcraVerdict::allowed);
        CHECK(phone.request(limit, t0 + 1h).retry_after == 11h);
    }
    SECTION("either way no sliding day ever holds more than 2") {
        const std::int64_t burst = GENERATE(0, 1);
        const auto limit = GcraLimit::per(2 - burst, day, burst);
        std::mt19937_64 rng(static_cast<std::uint64_t>(burst) + 99);
        std::uniform_int_distribution<std::int64_t> at(0, 30 * day.count());
        std::vector<GcraTime> times;
        for (int i = 0; i < 3000; ++i)
            times.push_back(t0 + microseconds{at(rng)});
        std::sort(times.begin(), times.end());
        Store phone;
        std::vector<Passed> passed;
        for (GcraTime now : times) {
            if (phone.request(limit, now).verdict == GcraVerdict::allowed) {
                passed.push_back({now, 1});
            }
        }
        CHECK(max_window_cost(passed, day) == 2);
    }
}
