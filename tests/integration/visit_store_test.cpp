// Visits in Redis: scripts/record_visit.lua against its twin core/visit_cycle,
// idempotence, and how a visit ends an absence (cancelling its reminders).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "core/visit_cycle.h"
#include "core/winback.h"
#include "io/job_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/visit_store.h"
#include "io/winback_store.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

const SysSeconds now = *parse_instant("2027-09-15T12:00:00+08:00");

Visit visit(const Config& config, const std::string& store, const std::string& member,
            const std::string& at, const std::string& amount = "", const std::string& id = "") {
    auto v = make_visit({store, member, at, amount, id}, config, now + 30 * 24h);
    REQUIRE(v.visit);
    return *v.visit;
}

Job winback_job(const std::string& member, const std::string& episode, int step) {
    Job j;
    j.store = "ktv";
    j.kind = Kind::winback;
    j.member_id = member;
    j.occasion_date = *parse_date(episode);
    j.id = winback_job_id(member, j.occasion_date, step);
    j.channel = Channel::sms;
    j.to = "+8613800138000";
    j.text = "好久不见";
    j.due_at = now;
    j.expires_at = now + 12h;
    j.created_at = now;
    return j;
}

}  // namespace

TEST_CASE("the script's cycle and lapse day are core/visit_cycle's, whatever the settings") {
    TestRedis server;
    auto redis = server.connect();
    std::mt19937 random(20270915);
    const Date base = *parse_date("2027-01-01");
    for (int round = 0; round < 40; ++round) {
        const int min_visits = 2 + static_cast<int>(random() % 5);
        const int recent = 1 + static_cast<int>(random() % 8);
        const int history = std::max(min_visits, recent + 1) + static_cast<int>(random() % 6);
        const char* factors[] = {"1.0", "1.3", "1.5", "1.7", "2.25"};
        const std::string toml =
            "[stores.ktv]\nname = \"KTV\"\n[stores.ktv.winback]\nmin_visits = " +
            std::to_string(min_visits) + "\nrecent_intervals = " + std::to_string(recent) +
            "\nhistory = " + std::to_string(history) + "\nfactor = " + factors[random() % 5] +
            "\nfloor_days = " + std::to_string(1 + random() % 10) +
            "\ntier_cycle_days = { \"金卡\" = 9 }\n";
        const Config config = parse_config(toml, "random.toml");
        const auto& w = config.find_store("ktv")->winback;
        VisitStore visits(redis, config);
        MemberStore members(redis);
        for (int m = 0; m < 8; ++m) {
            const std::string id = "R" + std::to_string(round) + "_" + std::to_string(m);
            const std::string tier = m % 2 ? "金卡" : "";
            members.upsert({MemberRecord{"ktv", id, {{"tier", tier}}, {}}});
            // Visits at random days and hours, sent in random order, some twice.
            std::vector<Visit> sent;
            const int count = 1 + static_cast<int>(random() % 14);
            int day = 0;
            for (int i = 0; i < count; ++i) {
                day += static_cast<int>(random() % 25);
                const auto at = local_instant(Date{date::sys_days{base} + date::days{day}},
                                              std::chrono::hours(9 + random() % 14),
                                              config.find_store("ktv")->zone);
                sent.push_back(
                    visit(config, "ktv", id, format_instant(at, config.find_store("ktv")->zone)));
            }
            std::vector<Visit> order = sent;
            std::shuffle(order.begin(), order.end(), random);
            order.push_back(order.front());
            visits.record(order, now);

            std::sort(sent.begin(), sent.end(), [](const Visit& a, const Visit& b) {
                return std::tie(a.at, a.key) < std::tie(b.at, b.key);
            });
            sent.erase(std::unique(sent.begin(), sent.end()), sent.end());
            if (sent.size() > static_cast<std::size_t>(history))
                sent.erase(sent.begin(), sent.end() - history);
            std::vector<int> days;
            for (const auto& v : sent)
                days.push_back(day_number(v.day));
            const double cycle = visit_cycle(days, tier, w);
            const auto state = visits.state("ktv", id);
            REQUIRE(state);
            INFO(toml << id << " visit days " << Catch::Detail::stringify(days));
            CHECK(state->cycle == cycle);
            CHECK(state->lapse_day == lapse_day(days.back(), cycle, w));
            CHECK(state->history.size() == sent.size());
            CHECK(state->last == sent.back().at);
            CHECK(state->visit_days() == [&] {
                auto d = days;
                d.erase(std::unique(d.begin(), d.end()), d.end());
                return d;
            }());
        }
    }
}

TEST_CASE("a visit is recorded once") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(
        "[stores.ktv]\nname = \"KTV\"\n[stores.ktv.winback]\nhistory = 4\nmin_visits = 3\n"
        "recent_intervals = 3\n",
        "t.toml");
    VisitStore visits(redis, config);
    auto outcome = [&](const Visit& v) { return visits.record({v}, now).front().outcome; };
    const auto v1 = visit(config, "ktv", "K1", "2027-08-01 20:00", "88");
    CHECK(outcome(v1) == VisitOutcome::latest);
    CHECK(outcome(v1) == VisitOutcome::duplicate);
    SECTION("the same second written another way is the same visit") {
        CHECK(outcome(visit(config, "ktv", "K1", "2027-08-01T12:00:00Z")) ==
              VisitOutcome::duplicate);
    }
    SECTION("a POS's visit id identifies it, whatever the time says") {
        CHECK(outcome(visit(config, "ktv", "K1", "2027-08-02 20:00", "", "R-1")) ==
              VisitOutcome::latest);
        CHECK(outcome(visit(config, "ktv", "K1", "2027-08-02 20:05", "", "R-1")) ==
              VisitOutcome::duplicate);
    }
    SECTION("earlier visits fill the history; one older than all kept changes nothing") {
        for (const char* day : {"2027-07-01", "2027-07-08", "2027-07-15"})
            CHECK(outcome(visit(config, "ktv", "K1", day)) == VisitOutcome::earlier);
        const auto before = redis.command({"HGETALL", keys::visit_state(only_shard("ktv"), "K1")});
        CHECK(outcome(visit(config, "ktv", "K1", "2027-06-01")) == VisitOutcome::duplicate);
        CHECK(redis.command({"HGETALL", keys::visit_state(only_shard("ktv"), "K1")})
                  .elements.size() == before.elements.size());
        const auto state = visits.state("ktv", "K1");
        CHECK(state->history.size() == 4);
        CHECK(state->visits == 4);
        CHECK(state->cycle == 7);  // 07-01, 07-08, 07-15, 08-01: intervals 7, 7, 17
        CHECK(state->history.back().amount_cents == 8800);
    }
    SECTION("a second visit on the same day is the latest visit but the same day") {
        CHECK(outcome(visit(config, "ktv", "K1", "2027-08-01 22:00")) == VisitOutcome::latest);
        const auto state = visits.state("ktv", "K1");
        CHECK(state->last == *parse_instant("2027-08-01T22:00:00+08:00"));
        CHECK(state->visit_days().size() == 1);
    }
    const auto totals = WinbackStore(redis, config.scheduler).counts("ktv", 0).totals;
    CHECK(totals.at("visits") == static_cast<long long>(visits.state("ktv", "K1")->visits));
}

SCENARIO("a visit ends an absence: its waiting reminders are cancelled, at once") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config("[stores.ktv]\nname = \"KTV\"\n", "t.toml");
    VisitStore visits(redis, config);
    JobStore jobs(redis, config.scheduler);
    WinbackStore winbacks(redis, config.scheduler);
    const int today = day_number(*parse_date("2027-09-15"));
    for (const char* at : {"2027-07-01", "2027-07-11", "2027-07-21", "2027-07-31"})
        visits.record({visit(config, "ktv", "K1", at)}, now);
    auto state = *visits.state("ktv", "K1");
    REQUIRE(state.lapse_day == day_number(*parse_date("2027-08-16")));  // cycle 10: 15 days
    CHECK(winbacks.due("ktv", today) == std::vector<std::string>{"K1"});
    CHECK(winbacks.counts("ktv", today).lapsed == 1);

    GIVEN("the planner created the reminder and moved the member to reminded") {
        const Job reminder = winback_job("K1", "2027-07-31", 1);
        REQUIRE(jobs.create({reminder}) == 1);
        WinbackStep step;
        step.action = WinbackAction::remind;
        step.state = WinbackState::reminded;
        step.step = 1;
        step.day = today + 10;
        step.job = reminder;
        REQUIRE(winbacks.apply("ktv", {{"K1", state, step}}, now) == std::vector<bool>{true});
        CHECK(winbacks.counts("ktv", today).reminded == 1);
        CHECK(winbacks.due("ktv", today).empty());

        WHEN("the member comes back before it went out") {
            const auto r =
                visits.record({visit(config, "ktv", "K1", "2027-09-15 09:00", "120")}, now);
            THEN("the reminder is cancelled and they are simply active: no reminder reached them") {
                CHECK(r[0].cancelled == 1);
                CHECK(r[0].state == WinbackState::active);
                CHECK(jobs.get("ktv", reminder.id)->state == JobState::cancelled);
                CHECK(jobs.count_due("ktv", now + 24h) == 0);
                CHECK(jobs.counts("ktv").at("cancelled") == 1);
                CHECK(jobs.counts("ktv").at("planned") == 0);
                const auto c = winbacks.counts("ktv", today);
                CHECK(c.active == 1);
                CHECK(c.reminded == 0);
                CHECK_FALSE(c.totals.contains("returned"));
            }
        }
        WHEN("the member comes back after it was sent") {
            jobs.claim_due("ktv", now, 10);
            ResultMessage sent{"ktv", reminder.id, Outcome::sent, "outbox", "", "", {}, now, "w"};
            jobs.record(sent);
            const auto r =
                visits.record({visit(config, "ktv", "K1", "2027-09-16 20:00", "120.50")}, now);
            THEN("they count as returned, with what they spent") {
                CHECK(r[0].cancelled == 0);
                CHECK(r[0].state == WinbackState::returned);
                const auto c = winbacks.counts("ktv", today + 1);
                CHECK(c.returned == 1);
                CHECK(c.active == 0);
                CHECK(c.totals.at("returned") == 1);
                CHECK(c.totals.at("returned_cents") == 12050);
                CHECK(c.totals.at("reminders") == 1);
            }
            AND_WHEN("they keep coming") {
                visits.record({visit(config, "ktv", "K1", "2027-09-20 20:00")}, now + 5 * 24h);
                THEN("they stay returned, counted once") {
                    const auto c = winbacks.counts("ktv", today + 5);
                    CHECK(c.returned == 1);
                    CHECK(c.totals.at("returned") == 1);
                }
            }
        }
        WHEN("an earlier visit turns up in an import") {
            const auto r = visits.record({visit(config, "ktv", "K1", "2027-07-25")}, now);
            THEN("the history grows but the absence goes on") {
                CHECK(r[0].outcome == VisitOutcome::earlier);
                CHECK(r[0].cancelled == 0);
                CHECK(jobs.get("ktv", reminder.id)->state == JobState::planned);
                CHECK(visits.state("ktv", "K1")->state == WinbackState::reminded);
            }
        }
    }
    GIVEN("a visit lands between the planner's read and its job") {
        visits.record({visit(config, "ktv", "K1", "2027-09-15 09:00")}, now);
        const Job reminder = winback_job("K1", "2027-07-31", 1);
        REQUIRE(jobs.create({reminder}) == 1);  // decided on what was read before the visit
        WinbackStep step;
        step.action = WinbackAction::remind;
        step.state = WinbackState::reminded;
        step.step = 1;
        step.day = today + 10;
        step.job = reminder;
        THEN("the transition is refused and the fresh job cancelled") {
            CHECK(winbacks.apply("ktv", {{"K1", state, step}}, now) == std::vector<bool>{false});
            CHECK(jobs.get("ktv", reminder.id)->state == JobState::cancelled);
            CHECK(visits.state("ktv", "K1")->state == WinbackState::active);
            CHECK(winbacks.counts("ktv", today).reminded == 0);
        }
    }
}
