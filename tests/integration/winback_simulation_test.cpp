// 180 simulated days of visits and win-backs, on a real Redis with a fixed
// clock moved an hour at a time: regulars who keep coming, members who lapse
// and come back after a reminder (or after a follow-up, or before the reminder
// went out), members who never come back, newcomers with too few visits to
// learn from, members without consent, and members whose birthday falls on
// their lapse day. The scheduler plans as in production (plan_due_days at
// each store's midnight, restarted every week); a fake worker sends whatever
// is due. Then: when each reminder went out, that a returning member got
// nothing more, that follow-ups are bounded, and what the stats say.
#include <catch2/catch.hpp>

#include <queue>
#include <random>

#include "core/delivery_policy.h"
#include "core/visit_cycle.h"
#include "core/winback.h"
#include "io/member_store.h"
#include "io/sheet_store.h"
#include "io/visit_store.h"
#include "io/winback_store.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

enum class Type {
    regular,           // comes every `cycle` days (± 10%) all along
    returner,          // stops; comes back the day after the reminder
    late_returner,     // stops; comes back the day after the first follow-up
    morning_returner,  // stops; comes back on the reminder's day, before it goes out
    never_returns,     // stops for good
    birthday_clash,    // never returns; their birthday falls on their lapse day
    newcomer,          // one or two visits, then gone: the tier's or store's default cycle
    no_consent,        // never returns, and agreed to no messages
};

struct SimMember {
    std::string store, id;
    Type type = Type::regular;
    int cycle = 7;
    std::string tier;
    std::vector<int> visit_days;                // before the stop (store-local day numbers)
    int lapse = 0;                              // expected first lapsed day after the stop
    std::vector<std::pair<int, int>> messages;  // (local day, step) of win-backs sent
    int birthday_messages = 0;
    std::optional<int> returned_on;
};

struct PendingVisit {
    SysSeconds at;
    std::size_t member;
    bool operator>(const PendingVisit& o) const { return at > o.at; }
};

constexpr int sim_days = 180;

}  // namespace

TEST_CASE("180 days of win-back over a few hundred generated members") {
    // Both job layouts: with day sheets the birthdays are records and the
    // win-back reminders stay hashes (a visit cancels them by id).
    const std::string storage = GENERATE(as<std::string>{}, "hashes", "sheets");
    CAPTURE(storage);
    TestRedis server;
    const Config config = parse_config("[scheduler]\njob_storage = \"" + storage + "\"\n" + R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[store_defaults]
channels = ["sms"]
send_time = "14:00"
[store_defaults.winback]
followup_days = [10, 20]
churn_days = 30
# This simulation is about when reminders go; the win-back holdout (held
# members get none) has its own test (effect_report_test.cpp).
[store_defaults.effect]
holdout = { winback = 0, festival = 0 }
[stores.ktv]
name = "欢唱KTV"
[stores.ktv.winback]
tier_cycle_days = { "金卡" = 10 }
[stores.la]
name = "洛城华人超市"
timezone = "America/Los_Angeles"
)",
                                       "sim.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const Date start = *parse_date("2027-03-01");
    const int day0 = day_number(start);
    FixedClock clock(start_of_day(start, config.find_store("ktv")->zone));
    zmq::context_t zmq;
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    VisitStore visits(redis, config);
    std::mt19937 random(180);
    auto uniform = [&random](int low, int high) {
        return low + static_cast<int>(random() % static_cast<unsigned>(high - low + 1));
    };

    // The members and their visits before the stop.
    std::vector<SimMember> members;
    const std::vector<std::pair<Type, int>> mix{
        {Type::regular, 110},         {Type::returner, 40},      {Type::late_returner, 20},
        {Type::morning_returner, 20}, {Type::never_returns, 50}, {Type::birthday_clash, 10},
        {Type::newcomer, 20},         {Type::no_consent, 20}};
    for (const auto& [type, count] : mix) {
        for (int i = 0; i < count; ++i) {
            SimMember m;
            m.store = i % 5 == 4 ? "la" : "ktv";
            m.id = "M" + std::to_string(members.size());
            m.type = type;
            m.cycle = uniform(5, 20);
            const int jitter = m.cycle / 10;
            int stop = day0 + sim_days + 60;  // regulars never stop
            if (type != Type::regular) stop = day0 + uniform(20, 80);
            int day = day0 - 60 + uniform(0, m.cycle);
            if (type == Type::newcomer) {
                m.tier = i % 2 ? "金卡" : "";
                day = day0 + uniform(0, 40);
                m.visit_days = {day};
                if (i % 3 == 0) m.visit_days.push_back(day + uniform(1, 6));
            } else {
                for (; day <= stop; day += m.cycle + uniform(-jitter, jitter))
                    m.visit_days.push_back(day);
            }
            const auto& w = config.find_store(m.store)->winback;
            m.lapse = lapse_day(m.visit_days.back(), visit_cycle(m.visit_days, m.tier, w), w);
            members.push_back(std::move(m));
        }
    }

    // The member list, then the visits before day 0 as one shuffled import.
    std::vector<MemberRecord> records;
    for (const auto& m : members) {
        MemberRecord r{m.store, m.id, {}, {}};
        r.set = {{"name", "会员" + m.id},
                 {"phone", "+86138" + std::to_string(10000000 + records.size())},
                 {"sms_optin", m.type == Type::no_consent ? "0" : "1"}};
        if (!m.tier.empty()) r.set["tier"] = m.tier;
        if (m.type == Type::birthday_clash) {
            const Date lapse = date_of_day(m.lapse);
            r.set["birthday"] = "1990" + format_date(lapse).substr(4);
        }
        records.push_back(std::move(r));
    }
    MemberStore(redis).upsert(records);

    auto at_local = [&](const SimMember& m, int day, std::chrono::hours hour) {
        return local_instant(date_of_day(day), hour, config.find_store(m.store)->zone);
    };
    std::priority_queue<PendingVisit, std::vector<PendingVisit>, std::greater<>> pending;
    std::vector<Visit> history;
    for (std::size_t i = 0; i < members.size(); ++i) {
        for (const int day : members[i].visit_days) {
            const auto when = at_local(members[i], day, 19h);
            if (day < day0) {
                const auto* zone = config.find_store(members[i].store)->zone;
                history.push_back(*make_visit({members[i].store, members[i].id,
                                               format_instant(when, zone), "", ""},
                                              config, clock.now())
                                       .visit);
            } else {
                pending.push({when, i});
            }
        }
        if (members[i].type == Type::morning_returner) {
            // Back on the reminder's day at 09:00, and regular again from then on.
            auto& m = members[i];
            pending.push({at_local(m, m.lapse, 9h), i});
            for (int d = m.lapse + m.cycle; d < day0 + sim_days; d += m.cycle)
                pending.push({at_local(m, d, 19h), i});
            m.returned_on = m.lapse;
        }
    }
    std::shuffle(history.begin(), history.end(), random);
    visits.record(history, clock.now());

    // A member who comes back keeps coming, every `cycle` days, to the end.
    auto come_back = [&](std::size_t i, int day) {
        auto& m = members[i];
        m.returned_on = day;
        for (int d = day; d < day0 + sim_days; d += m.cycle)
            pending.push({at_local(m, d, 19h), i});
    };

    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < members.size(); ++i)
        index[members[i].store + "|" + members[i].id] = i;

    auto scheduler = std::make_unique<Scheduler>(config, templates, redis, zmq, clock);
    const SysSeconds end =
        start_of_day(date_of_day(day0 + sim_days), config.find_store("ktv")->zone);
    std::size_t restarts = 0;
    for (SysSeconds now = clock.now(); now < end; now += 1h) {
        clock.set(now);
        // A restart every week at noon: the day is planned again, nothing twice.
        if (now.time_since_epoch() % (7 * 24h) == 12h) {
            scheduler = std::make_unique<Scheduler>(config, templates, redis, zmq, clock);
            ++restarts;
        }
        scheduler->plan_due_days(now);
        std::vector<Visit> arrived;
        while (!pending.empty() && pending.top().at <= now) {
            const auto& m = members[pending.top().member];
            const auto checked = make_visit(
                {m.store, m.id, format_instant(pending.top().at, config.find_store(m.store)->zone),
                 "60", ""},
                config, now);
            REQUIRE(checked.visit);
            arrived.push_back(*checked.visit);
            pending.pop();
        }
        visits.record(arrived, now);
        // The fake worker: everything due is sent.
        for (const auto& [store_id, store] : config.stores) {
            const int today = day_number(local_date(now, store.zone));
            // Dispatched as the scheduler does: the policy's checks, and the
            // contact history the cooldown reads.
            const DispatchRules rules = dispatch_rules(store, now);
            for (const auto& job : jobs.claim_due(store_id, now, 1000, &rules).jobs) {
                jobs.record({store_id, job.id, Outcome::sent, "sim", "", "", {}, now, "sim"});
                auto& m = members[index.at(store_id + "|" + job.member_id)];
                if (job.kind == Kind::birthday) {
                    ++m.birthday_messages;
                    continue;
                }
                REQUIRE(job.kind == Kind::winback);
                const int step = std::stoi(job.params.at("step"));
                m.messages.emplace_back(today, step);
                const auto i = index.at(store_id + "|" + job.member_id);
                if ((m.type == Type::returner && step == 1) ||
                    (m.type == Type::late_returner && step == 2)) {
                    come_back(i, today + 1);
                }
            }
        }
    }
    CHECK(restarts >= 25);
    for (const auto& [store_id, store] : config.stores)
        CHECK(SheetStore(redis).layout(store_id) ==
              (storage == "sheets" ? sheet_layout : hash_layout));

    // What each member got.
    const int last_day = day0 + sim_days - 1;
    auto expected = [&](int first) {
        std::vector<std::pair<int, int>> out;
        for (const auto& [offset, step] :
             std::vector<std::pair<int, int>>{{0, 1}, {10, 2}, {30, 3}}) {
            if (first + offset <= last_day) out.emplace_back(first + offset, step);
        }
        return out;
    };
    std::map<Type, int> came_back_expected;
    int churned_expected = 0;
    for (const auto& m : members) {
        INFO(m.store << " " << m.id << " type " << static_cast<int>(m.type) << " cycle " << m.cycle
                     << " last visit " << format_date(date_of_day(m.visit_days.back())) << " lapse "
                     << format_date(date_of_day(m.lapse)));
        switch (m.type) {
            case Type::regular:
                CHECK(m.messages.empty());
                break;
            case Type::returner:
                CHECK(m.messages == std::vector<std::pair<int, int>>{{m.lapse, 1}});
                ++came_back_expected[m.type];
                break;
            case Type::late_returner:
                CHECK(m.messages ==
                      std::vector<std::pair<int, int>>{{m.lapse, 1}, {m.lapse + 10, 2}});
                ++came_back_expected[m.type];
                break;
            case Type::morning_returner:
                // The reminder was planned at midnight and cancelled by the 09:00 visit.
                CHECK(m.messages.empty());
                CHECK(jobs.get(m.store, winback_job_id(m.id, date_of_day(m.visit_days.back()), 1))
                          ->state == JobState::cancelled);
                break;
            case Type::never_returns:
            case Type::newcomer:
                CHECK(m.messages == expected(m.lapse));
                if (m.lapse + 60 <= last_day) ++churned_expected;
                break;
            case Type::birthday_clash:
                // The win-back's cooldown (policy.cooldown_days.winback = 3):
                // three days after the birthday greeting.
                CHECK(m.birthday_messages == 1);
                CHECK(m.messages == expected(m.lapse + 3));
                if (m.lapse + 63 <= last_day) ++churned_expected;
                break;
            case Type::no_consent:
                CHECK(m.messages.empty());
                break;
        }
        // Never two win-backs on one day or on consecutive days.
        for (std::size_t k = 1; k < m.messages.size(); ++k)
            CHECK(m.messages[k].first - m.messages[k - 1].first >= 2);
        CHECK(m.messages.size() <= 3);
    }

    // The stats, per store, against what happened.
    WinbackStore winbacks(redis, config.scheduler);
    long long returned = 0, churned = 0, lapsed = 0, active = 0;
    for (const auto& [store_id, store] : config.stores) {
        const auto c = winbacks.counts(store_id, day_number(local_date(end - 1s, store.zone)));
        returned += c.returned;
        churned += c.churned;
        lapsed += c.lapsed;
        active += c.active;
        CHECK(c.totals.at("returned") == c.returned);
    }
    CHECK(returned == came_back_expected[Type::returner] + came_back_expected[Type::late_returner]);
    CHECK(churned == churned_expected);
    CHECK(lapsed == 20);        // the members without consent: parked, never messaged
    CHECK(active == 110 + 20);  // regulars and morning returners
    for (const auto& m : members) {
        const auto state = visits.state(m.store, m.id);
        REQUIRE(state);
        if (m.type == Type::returner || m.type == Type::late_returner)
            CHECK(state->state == WinbackState::returned);
        // The script's cycle is the core's, after 180 days of live visits too.
        const auto& w = config.find_store(m.store)->winback;
        CHECK(state->cycle == visit_cycle(state->visit_days(), m.tier, w));
    }
}
