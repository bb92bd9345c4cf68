// The effect report checked against a population whose truth is known:
// messaged members come back within the window with probability 0.30, held-out
// ones with 0.20, so the true lift is 0.10, and a 95 % interval should hold it
// in about 95 % of runs. The groups are drawn as the planner draws them
// (core/holdout.h: the real hash and the "never twice running" rule, the
// members' records carried from one period to the next).
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>

#include "core/effect.h"
#include "core/holdout.h"

using namespace huitou;

namespace {

const date::time_zone* shanghai() {
    return find_zone("Asia/Shanghai");
}

std::string member_id(int i) {
    return "M" + std::to_string(10000 + i);
}

// The members' last holdout records for one kind, carried across periods as
// the job store keeps them.
struct Population {
    std::string store = "sim";
    double share = 0.3;
    std::vector<std::optional<HoldoutRecord>> last;

    explicit Population(int members, double s) : share(s), last(members) {}

    // Decides each member's group for `period` and records it; returns held.
    std::vector<bool> draw(Kind kind, const std::string& period) {
        std::vector<bool> held(last.size());
        for (std::size_t i = 0; i < last.size(); ++i) {
            const double d = holdout_draw(store, member_id(static_cast<int>(i)), kind, period);
            held[i] = is_held_out(share, d, period, last[i]);
            if (auto r = holdout_record_after(held[i], period, last[i])) last[i] = std::move(r);
        }
        return held;
    }
};

}  // namespace

TEST_CASE("over many runs the 95% interval holds the true lift in about 95% of them",
          "[effect][simulation]") {
    constexpr int members = 1500;
    constexpr int runs = 240;
    constexpr double p_messaged = 0.30;
    constexpr double p_held = 0.20;
    constexpr double true_lift = p_messaged - p_held;
    const auto* zone = shanghai();
    EffectConfig config;
    config.holdout[Kind::festival] = 0.3;
    const auto window = std::chrono::seconds(date::days(config.window_days.at(Kind::festival)));

    Population population(members, config.holdout_share(Kind::festival));
    const Date first = *parse_date("2027-01-01");
    int covered = 0;
    long long held_total = 0, members_total = 0;
    double lift_sum = 0;
    for (int run = 0; run < runs; ++run) {
        std::mt19937_64 rng(20270915ull + static_cast<unsigned long long>(run));
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        auto seconds_in = [&](long long lo, long long hi) {  // uniform in [lo, hi]
            return std::chrono::seconds(std::uniform_int_distribution<long long>(lo, hi)(rng));
        };
        // A festival a day: a new period each run.
        const Date day = date::sys_days(first) + date::days(run);
        const std::string period = holdout_period(Kind::festival, day, "sim");
        const auto held = population.draw(Kind::festival, period);
        const SysSeconds planned = local_instant(day, std::chrono::hours(10), zone);

        std::vector<Touch> touches;
        std::map<std::string, std::vector<VisitPoint>> visits;
        touches.reserve(members);
        for (int i = 0; i < members; ++i) {
            Touch t;
            t.member_id = member_id(i);
            t.kind = Kind::festival;
            t.occasion = day;
            t.period = period;
            t.held = held[i];
            t.planned_at = planned;
            t.job_id = "festival:" + t.member_id + ":" + format_date(day) + ":sim";
            if (!t.held) {
                t.sms_parts = 1;
                // Most go out within minutes; a few never do (intent to treat).
                if (unit(rng) < 0.97) t.sent_at = planned + seconds_in(0, 600);
            }
            touches.push_back(t);

            const SysSeconds start = touch_start(t);
            auto& mine = visits[t.member_id];
            if (unit(rng) < (t.held ? p_held : p_messaged))
                mine.push_back({start + seconds_in(1, window.count()), 5000});
            // Visits that must not count: before the message, or after its window.
            if (unit(rng) < 0.3) mine.push_back({start - seconds_in(0, 10 * 86400), 7000});
            if (unit(rng) < 0.3) mine.push_back({start + window + seconds_in(1, 20 * 86400), 9000});
        }

        const auto report = summarize(touches, visits, day, day, config, zone);
        REQUIRE(report.kinds.size() == 1);
        const auto& k = report.kinds[0];
        REQUIRE(k.enough);
        REQUIRE(k.messaged.members + k.held.members == members);
        // Only the visits inside the window were credited, 50 yuan each.
        CHECK(k.messaged.amount_cents == 5000 * k.messaged.came_back);
        CHECK(k.held.amount_cents == 5000 * k.held.came_back);
        CHECK(k.held.sent == 0);
        if (k.lift_interval->low <= true_lift && true_lift <= k.lift_interval->high) ++covered;
        held_total += k.held.members;
        members_total += members;
        lift_sum += *k.lift;
    }
    const double coverage = static_cast<double>(covered) / runs;
    const double held_share = static_cast<double>(held_total) / static_cast<double>(members_total);
    std::printf(
        "effect simulation: %d runs of %d members, lift interval held %.2f in %d (%.1f%%); "
        "mean lift %.4f; held-out share %.4f\n",
        runs, members, true_lift, covered, 100 * coverage, lift_sum / runs, held_share);
    CHECK(coverage >= 0.90);
    CHECK(lift_sum / runs == Approx(true_lift).margin(0.01));
    // Never more than the share; in the long run s / (1 + s) (core/holdout.h).
    const double s = config.holdout_share(Kind::festival);
    CHECK(held_share <= s + 0.01);
    CHECK(held_share == Approx(s / (1 + s)).margin(0.02));
}

TEST_CASE(
    "consecutive periods never hold a member out twice running, the first holds out the "
    "configured share, and the long run s / (1 + s)",
    "[effect][simulation]") {
    constexpr int members = 2000;
    constexpr int periods = 60;
    const double share = GENERATE(0.05, 0.1, 0.2, 0.3, 0.5);
    CAPTURE(share);
    Population population(members, share);
    std::vector<bool> before(members, false);
    long long held_total = 0, twice_running = 0, held_first = 0;
    const Date first = *parse_date("2027-01-01");
    for (int p = 0; p < periods; ++p) {
        // Win-back absences: one period per absence, named by its last visit's date.
        const Date day = date::sys_days(first) + date::days(7 * p);
        const auto held = population.draw(Kind::winback, holdout_period(Kind::winback, day, "1"));
        for (int i = 0; i < members; ++i) {
            if (!held[i]) continue;
            ++held_total;
            if (p == 0) ++held_first;
            if (before[i]) ++twice_running;
        }
        before = held;
    }
    const double long_run = static_cast<double>(held_total) / (double(members) * periods);
    std::printf("holdout share %.2f: held out %.4f of %d member-periods\n", share, long_run,
                members * periods);
    CHECK(twice_running == 0);
    // The first period: the share itself, never more (a shop loses those messages).
    CHECK(static_cast<double>(held_first) / members == Approx(share).margin(0.025));
    // Then those held out sit the next one out: p = s (1 − p), p = s / (1 + s).
    CHECK(long_run == Approx(share / (1 + share)).margin(0.02));
}

TEST_CASE("planning a period again changes no one's group", "[effect][simulation]") {
    constexpr int members = 3000;
    Population population(members, 0.3);
    const Date first = *parse_date("2027-01-01");
    for (int p = 0; p < 5; ++p) {
        const Date day = date::sys_days(first) + date::days(p);
        const std::string period = holdout_period(Kind::festival, day, "mid_autumn");
        const auto before = population.last;
        const auto held = population.draw(Kind::festival, period);
        // Replanned with the records the first plan wrote, and with none of them
        // written (a plan that crashed before its records were stored).
        const auto after_records = population.last;
        const auto again = population.draw(Kind::festival, period);
        CHECK(again == held);
        CHECK(population.last == after_records);
        population.last = before;
        CHECK(population.draw(Kind::festival, period) == held);
        CHECK(population.last == after_records);
    }
}
