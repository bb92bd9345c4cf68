// The holdout and the effect report on a real Redis, real sockets and the
// outbox worker, with a fixed clock moved by hand: a festival for a few
// hundred members with a 30 % holdout, planned, dispatched and sent; visits
// recorded afterwards; the report read through the code the CLI and the HTTP
// endpoint share, through `huitou report`, and over HTTP.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/visit_cycle.h"
#include "core/winback.h"
#include "io/effect_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "io/visit_store.h"
#include "io/winback_store.h"
#include "scheduler/admin_api.h"
#include "scheduler/day_planner.h"
#include "scheduler/day_preview.h"
#include "scheduler/effect_report.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"
#include "workers/outbox_sender.h"
#include "workers/worker.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
[store_defaults.policy]
spread_minutes = 0
[stores.toyland]
name = "童乐玩具"
channels = ["sms"]
festivals = ["dragon_boat", "mid_autumn"]
card_expiry_days = []
[stores.toyland.winback]
enabled = false
[stores.toyland.effect]
holdout = { festival = 0.3 }
min_group_size = 20
sms_part_price = 0.05
)";

constexpr int kMembers = 300;

std::string member_id(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "F%04d", i);
    return buf;
}

std::string phone_of(int i) {
    return "+86138" + std::to_string(10000000 + i);
}

struct Festival {
    TestRedis server;
    TempDir dir;
    Config config = parse_config(kConfig, "effect.toml");
    const StoreConfig& store = *config.find_store("toyland");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    zmq::context_t zmq;
    RedisConnection scheduler_redis = server.connect();
    RedisConnection worker_redis = server.connect();
    RedisConnection redis = server.connect();
    OutboxSender outbox{dir.file("sms.jsonl"), config};
    std::unique_ptr<Scheduler> scheduler;
    std::unique_ptr<Worker> worker;

    Festival() {
        spdlog::set_level(spdlog::level::warn);
        std::vector<MemberRecord> members;
        for (int i = 0; i < kMembers; ++i) {
            MemberRecord r{"toyland", member_id(i), {}, {}};
            r.set = {
                {"name", "会员" + std::to_string(i)}, {"phone", phone_of(i)}, {"sms_optin", "1"}};
            members.push_back(std::move(r));
        }
        MemberStore(redis).upsert(members);
        scheduler = std::make_unique<Scheduler>(config, templates, scheduler_redis, zmq, clock);
        worker = std::make_unique<Worker>(Channel::sms, config, outbox, worker_redis, zmq, clock,
                                          "sms-test", scheduler->job_endpoint(Channel::sms),
                                          scheduler->results_endpoint());
    }

    // Plans and sends the day `clock` is on, until nothing is planned or in flight.
    void run_day() {
        JobStore jobs(scheduler_redis, config.scheduler);
        REQUIRE(eventually([&] {
            const auto now = clock.now();
            scheduler->plan_due_days(now);
            scheduler->requeue_overdue(now);
            scheduler->dispatch_due(now);
            worker->poll(20ms);
            scheduler->handle_results(20ms);
            const auto c = jobs.counts("toyland");
            auto get = [&](const char* k) { return c.contains(k) ? c.at(k) : 0; };
            return get("planned") == 0 && get("dispatched") == 0 && get("sent") > 0;
        }));
    }

    // The members whose job of `occasion_id` (a job id with "{}" for the member) is in `state`:
    // its hash, or its day sheet's record (a held job of a store on day sheets is only a record).
    std::set<std::string> members_in(const std::string& job_pattern, const std::string& state) {
        std::set<std::string> out;
        JobStore jobs(redis, config.scheduler);
        for (int i = 0; i < kMembers; ++i) {
            std::string id = job_pattern;
            id.replace(id.find("{}"), 2, member_id(i));
            const auto job = jobs.get("toyland", id, store.zone);
            if (job && to_string(job->state) == state) out.insert(member_id(i));
        }
        return out;
    }

    std::set<std::string> outbox_recipients() {
        std::set<std::string> out;
        std::istringstream in(read_file(dir.file("sms.jsonl")));
        for (std::string line; std::getline(in, line);)
            out.insert(nlohmann::json::parse(line).at("to").get<std::string>());
        return out;
    }
};

}  // namespace

TEST_CASE_METHOD(Festival,
                 "a festival with a holdout: the held-out members get nothing, a replan moves "
                 "no one, and the report compares the groups") {
    const std::string mid_autumn = "festival:{}:2027-09-15:mid_autumn";
    run_day();
    const auto held = members_in(mid_autumn, "held");
    const auto sent = members_in(mid_autumn, "sent");
    INFO("held " << held.size() << ", sent " << sent.size());
    // 30 % of 300 is 90; the binomial's 99.99 % range is about 60 to 122.
    CHECK(held.size() >= 60);
    CHECK(held.size() <= 122);
    CHECK(held.size() + sent.size() == kMembers);

    // No held-out member received anything; every messaged one did.
    const auto recipients = outbox_recipients();
    for (const auto& m : held)
        CHECK_FALSE(recipients.contains(phone_of(std::stoi(m.substr(1)))));
    CHECK(recipients.size() == sent.size());
    // Held jobs are never due and are counted as held.
    CHECK(redis.command({"ZCARD", keys::due(only_shard("toyland"))}).integer == 0);
    CHECK(JobStore(redis, config.scheduler).counts("toyland").at("held") ==
          static_cast<long long>(held.size()));

    SECTION("planning the day again, or deciding it afresh, changes no one's group") {
        CHECK(scheduler->plan_day(store, *parse_date("2027-09-15")).created == 0);
        CHECK(members_in(mid_autumn, "held") == held);
        // The decision itself, taken again from the members and their records.
        DayPlanner planner(redis, config, templates, 100);
        std::set<std::string> again;
        planner.occasions(store, *parse_date("2027-09-15"), clock.now(), [&](OccasionBatch& b) {
            for (const auto& v : b.verdicts) {
                if (v.verdict.reason == "holdout") again.insert(v.member_id);
            }
        });
        CHECK(again == held);
        // The preview shows them as planned: held out, the reason `holdout`.
        const auto previews = preview_day(redis, config, templates, *parse_date("2027-09-15"),
                                          "toyland", clock.now());
        REQUIRE(previews.size() == 1);
        std::set<std::string> shown;
        for (const auto& s : previews[0].skipped) {
            if (s.reason == "holdout") shown.insert(s.member_id);
        }
        CHECK(shown == held);
        CHECK(previews[0].messages.size() == sent.size());
    }

    SECTION("the next festival never holds out a member held out of this one") {
        // 端午 2028 (28 May) is the next festival after 中秋 2027 for this store.
        clock.set(*parse_instant("2028-05-28T10:00:00+08:00"));
        run_day();
        const auto held_next = members_in("festival:{}:2028-05-28:dragon_boat", "held");
        INFO("held next " << held_next.size());
        CHECK(held_next.size() >= 40);  // 30 % of the ~210 not held before: ~63
        for (const auto& m : held_next)
            CHECK_FALSE(held.contains(m));
    }

    SECTION("visits after the message count for it; the report says how many came back") {
        // Every third messaged member and every third held-out one come back
        // two days later, spending 100 yuan; one visit comes before the message.
        VisitStore visits(redis, config);
        std::vector<Visit> in;
        long long messaged_back = 0, held_back = 0;
        int n = 0;
        for (const auto& m : sent) {
            if (n++ % 3 != 0) continue;
            in.push_back({"toyland", m, *parse_instant("2027-09-17T15:00:00+08:00"),
                          *parse_date("2027-09-17"), "id:r" + m, 10000});
            ++messaged_back;
        }
        n = 0;
        for (const auto& m : held) {
            if (n++ % 3 != 0) continue;
            in.push_back({"toyland", m, *parse_instant("2027-09-17T15:00:00+08:00"),
                          *parse_date("2027-09-17"), "id:r" + m, 10000});
            ++held_back;
        }
        const std::string early = *sent.rbegin();  // came the evening before: not the message's
        in.push_back({"toyland", early, *parse_instant("2027-09-14T19:00:00+08:00"),
                      *parse_date("2027-09-14"), "id:early", 5000});
        visits.record(in, clock.now());

        const auto report =
            effect_report(redis, store, *parse_date("2027-09-01"), *parse_date("2027-09-30"));
        REQUIRE(report.kinds.size() == 1);
        const auto& k = report.kinds[0];
        CHECK(k.kind == Kind::festival);
        CHECK(k.messaged.members == static_cast<long long>(sent.size()));
        CHECK(k.held.members == static_cast<long long>(held.size()));
        CHECK(k.messaged.came_back == messaged_back);
        CHECK(k.held.came_back == held_back);
        CHECK(k.messaged.amount_cents == messaged_back * 10000);
        CHECK(k.messaged.sent == static_cast<long long>(sent.size()));
        CHECK(k.held.sent == 0);
        CHECK(k.enough);
        REQUIRE(k.lift_interval);
        CHECK(k.lift_interval->low < 0);  // the same rate in both: no effect to see
        CHECK(k.lift_interval->high > 0);
        CHECK(k.cost_yuan == Approx(0.05 * static_cast<double>(k.messaged.sms_parts)));
        CHECK(k.messaged.sms_parts >= static_cast<long long>(sent.size()));

        // Month by month: September has the festival, October nothing; the
        // months are the calendar's, clipped to the range.
        const auto months = effect_report_by_month(redis, store, *parse_date("2027-09-14"),
                                                   *parse_date("2027-10-31"));
        REQUIRE(months.size() == 2);
        CHECK(months[0].from == *parse_date("2027-09-14"));
        CHECK(months[0].to == *parse_date("2027-09-30"));
        REQUIRE(months[0].kinds.size() == 1);
        CHECK(months[0].kinds[0].messaged.came_back == messaged_back);
        CHECK(months[1].from == *parse_date("2027-10-01"));
        CHECK(months[1].kinds.empty());
        CHECK(report_months(*parse_date("2027-12-31"), *parse_date("2028-01-01")).size() == 2);
        CHECK(report_months(*parse_date("2027-09-15"), *parse_date("2027-09-15")).size() == 1);

        // `huitou report`, the same numbers.
        write_file(dir.file("effect.toml"), kConfig);
        const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                           "HUITOU_LOG_LEVEL=warn"};
        const auto json =
            run({bin("huitou"), "--config", dir.file("effect.toml"), "report", "--store", "toyland",
                 "--from", "2027-09-01", "--to", "2027-09-30", "--json"},
                env);
        INFO(json.err);
        REQUIRE(json.status == 0);
        const auto j = nlohmann::json::parse(json.out);
        CHECK(j.at("store") == "toyland");
        CHECK(j.at("kinds").at(0).at("messaged").at("came_back") == messaged_back);
        const auto text = run({bin("huitou"), "--config", dir.file("effect.toml"), "report",
                               "--store", "toyland", "--from", "2027-09-01", "--to", "2027-09-30"},
                              env);
        REQUIRE(text.status == 0);
        CHECK_THAT(text.out, Catch::Contains("节日问候"));
        CHECK_THAT(text.out, Catch::Contains("对照组"));
        const auto by_month =
            run({bin("huitou"), "--config", dir.file("effect.toml"), "report", "--store", "toyland",
                 "--from", "2027-09-01", "--to", "2027-10-31", "--by", "month", "--csv"},
                env);
        REQUIRE(by_month.status == 0);
        // One header, then September's festival row; October has no kind.
        CHECK(std::count(by_month.out.begin(), by_month.out.end(), '\n') == 2);
        CHECK_THAT(by_month.out, Catch::Contains("festival,2027-09-01,2027-09-30"));
        const auto bad = run({bin("huitou"), "--config", dir.file("effect.toml"), "report",
                              "--store", "toyland", "--from", "2027-09-30", "--to", "2027-09-01"},
                             env);
        CHECK(bad.status == 2);
        CHECK_THAT(bad.err, Catch::Contains("before"));

        // Over HTTP: JSON, CSV, and the errors.
        Config http_config = config;
        http_config.admin.listen = "127.0.0.1:0";
        write_file(dir.file("admin-token"), "s3cret\n");
        http_config.admin.token.file = dir.file("admin-token");
        AdminApi api(http_config, templates, server.endpoint(), clock);
        AdminServer admin(http_config.admin, read_admin_token(http_config.admin));
        api.add_to(admin);
        admin.start();
        httplib::Client http("127.0.0.1", admin.port());
        const httplib::Headers auth{{"Authorization", "Bearer s3cret"}};
        auto r = http.Get("/api/v1/stores/toyland/report?from=2027-09-01&to=2027-09-30", auth);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(nlohmann::json::parse(r->body).at("kinds").at(0).at("held").at("came_back") ==
              held_back);
        r = http.Get("/api/v1/stores/toyland/report?from=2027-09-01&to=2027-09-30&format=csv",
                     auth);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK_THAT(r->get_header_value("Content-Type"), Catch::Contains("text/csv"));
        CHECK_THAT(r->body, Catch::Contains("festival"));
        r = http.Get("/api/v1/stores/toyland/report?from=2027-09-01&to=2027-10-31&by=month", auth);
        REQUIRE(r);
        CHECK(r->status == 200);
        {
            const auto j = nlohmann::json::parse(r->body);
            CHECK(j.at("by") == "month");
            REQUIRE(j.at("periods").size() == 2);
            CHECK(j.at("periods").at(0).at("kinds").at(0).at("held").at("came_back") == held_back);
            CHECK(j.at("periods").at(1).at("kinds").empty());
        }
        r = http.Get("/api/v1/stores/toyland/report?from=2027-09-01&to=2027-09-30&by=week", auth);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK_THAT(r->body, Catch::Contains("by: "));
        r = http.Get("/api/v1/stores/nowhere/report?from=2027-09-01&to=2027-09-30", auth);
        REQUIRE(r);
        CHECK(r->status == 404);
        r = http.Get("/api/v1/stores/toyland/report?from=2027-09-01&to=2027-13-30", auth);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK_THAT(r->body, Catch::Contains("to: expected YYYY-MM-DD"));
        r = http.Get("/api/v1/stores/toyland/report?from=2027-09-01&to=2027-09-30");
        REQUIRE(r);
        CHECK(r->status == 401);
    }

    SECTION("the scheduler forgets what is older than keep_days") {
        EffectStore effects(redis);
        CHECK(effects.touches("toyland", clock.now() - 24h, clock.now() + 24h, store.zone).size() ==
              static_cast<std::size_t>(kMembers));
        if (SheetStore(redis).layout("toyland") == sheet_layout) {
            // Day sheets: the records are the touches, and they expire with
            // their sheets; the claimed ones' sent times are forgotten.
            CHECK(effects.trim("toyland", clock.now() + 24h) == 0);
            CHECK(effects.forget_sent_records("toyland", *parse_date("2027-09-16")) ==
                  static_cast<long long>(sent.size()));
        } else {
            CHECK(effects.trim("toyland", clock.now() + 24h) == kMembers);
            CHECK(effects.touches("toyland", clock.now() - 24h, clock.now() + 24h, store.zone)
                      .empty());
        }
        CHECK(redis.command({"HLEN", keys::sent_times(only_shard("toyland"))}).integer == 0);
    }
}

namespace {

constexpr const char* kWinbackConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
[store_defaults.policy]
spread_minutes = 0
[stores.ktv]
name = "欢唱KTV"
channels = ["sms"]
festivals = []
card_expiry_days = []
[stores.ktv.winback]
followup_days = [10]
churn_days = 30
[stores.ktv.effect]
holdout = { winback = 0.4 }
)";

constexpr int kGuests = 120;

}  // namespace

TEST_CASE(
    "a win-back with a holdout: a held-out guest's steps move as a messaged one's, "
    "without a message, and the next absence is not held out") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    TempDir dir;
    const Config config = parse_config(kWinbackConfig, "winback.toml");
    const StoreConfig& ktv = *config.find_store("ktv");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    // One visit each on 1 March: with the default 30-day cycle × 1.5 they lapse on 16 April.
    FixedClock clock{*parse_instant("2027-03-01T20:00:00+08:00")};
    zmq::context_t zmq;
    RedisConnection scheduler_redis = server.connect(), worker_redis = server.connect(),
                    redis = server.connect();
    std::vector<MemberRecord> members;
    std::vector<Visit> first_visits;
    for (int i = 0; i < kGuests; ++i) {
        MemberRecord r{"ktv", member_id(i), {}, {}};
        r.set = {{"name", "客人" + std::to_string(i)}, {"phone", phone_of(i)}, {"sms_optin", "1"}};
        members.push_back(std::move(r));
        first_visits.push_back({"ktv", member_id(i), clock.now(), *parse_date("2027-03-01"),
                                "id:a" + std::to_string(i), 20000});
    }
    MemberStore(redis).upsert(members);
    VisitStore visits(redis, config);
    visits.record(first_visits, clock.now());

    OutboxSender outbox{dir.file("sms.jsonl"), config};
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    Worker worker(Channel::sms, config, outbox, worker_redis, zmq, clock, "sms-test",
                  scheduler.job_endpoint(Channel::sms), scheduler.results_endpoint());
    JobStore jobs(redis, config.scheduler);
    auto run_day = [&](const char* at) {
        clock.set(*parse_instant(at));
        REQUIRE(eventually([&] {
            const auto now = clock.now();
            scheduler.plan_due_days(now);
            scheduler.dispatch_due(now);
            worker.poll(20ms);
            scheduler.handle_results(20ms);
            const auto c = jobs.counts("ktv");
            auto get = [&](const char* k) { return c.contains(k) ? c.at(k) : 0; };
            return get("planned") == 0 && get("dispatched") == 0;
        }));
    };
    auto state_of = [&](const std::string& id) {
        const auto j = jobs.get("ktv", id);
        return j ? std::string(to_string(j->state)) : std::string("none");
    };
    auto outbox_count = [&](const std::string& phone) {
        const auto text = read_file(dir.file("sms.jsonl"));
        std::size_t n = 0;
        for (auto pos = text.find(phone); pos != std::string::npos; pos = text.find(phone, pos + 1))
            ++n;
        return n;
    };

    run_day("2027-04-16T10:00:00+08:00");  // the reminders
    std::set<std::string> held, messaged;
    for (int i = 0; i < kGuests; ++i) {
        const auto s = state_of(winback_job_id(member_id(i), *parse_date("2027-03-01"), 1));
        (s == "held" ? held : messaged).insert(member_id(i));
        CHECK((s == "held" || s == "sent"));
    }
    INFO("held " << held.size() << " of " << kGuests);
    CHECK(held.size() >= 30);  // 40 % of 120 is 48
    CHECK(held.size() <= 66);
    for (const auto& m : held) {
        CHECK(outbox_count(phone_of(std::stoi(m.substr(1)))) == 0);
        // The step moved as for a messaged guest: reminded, next step in 10 days.
        CHECK(visits.state("ktv", m)->state == WinbackState::reminded);
    }
    CHECK(visits.state("ktv", *messaged.begin())->state == WinbackState::reminded);

    run_day("2027-04-26T10:00:00+08:00");  // the follow-ups: the same group as the reminder
    for (int i = 0; i < kGuests; ++i) {
        const auto id = member_id(i);
        CHECK(state_of(winback_job_id(id, *parse_date("2027-03-01"), 2)) ==
              (held.contains(id) ? "held" : "sent"));
    }

    // Everyone comes back on 1 May; a held-out guest's return is no reminder's doing.
    clock.set(*parse_instant("2027-05-01T20:00:00+08:00"));
    std::vector<Visit> back;
    for (int i = 0; i < kGuests; ++i)
        back.push_back({"ktv", member_id(i), clock.now(), *parse_date("2027-05-01"),
                        "id:b" + std::to_string(i), 20000});
    visits.record(back, clock.now());
    const auto counts =
        WinbackStore(redis, config.scheduler).counts("ktv", day_number(*parse_date("2027-05-01")));
    CHECK(counts.totals.at("returned") == static_cast<long long>(messaged.size()));

    // The next absence (lapsing 16 June): nobody held out of the first is held out again.
    run_day("2027-06-16T10:00:00+08:00");
    std::size_t held_again = 0, held_now = 0;
    for (int i = 0; i < kGuests; ++i) {
        const auto id = member_id(i);
        const auto s = state_of(winback_job_id(id, *parse_date("2027-05-01"), 1));
        if (s == "held") {
            ++held_now;
            if (held.contains(id)) ++held_again;
        }
    }
    INFO("held in the second absence " << held_now);
    CHECK(held_now >= 15);
    CHECK(held_again == 0);

    // The report: the first absence's units, once each (reminder and follow-up together).
    const auto report =
        effect_report(redis, ktv, *parse_date("2027-04-01"), *parse_date("2027-04-30"));
    REQUIRE(report.kinds.size() == 1);
    CHECK(report.kinds[0].messaged.members == static_cast<long long>(messaged.size()));
    CHECK(report.kinds[0].held.members == static_cast<long long>(held.size()));
    // 1 May is within 14 days of the follow-up of 26 April: everyone came back.
    CHECK(report.kinds[0].messaged.came_back == static_cast<long long>(messaged.size()));
    CHECK(report.kinds[0].held.came_back == static_cast<long long>(held.size()));
}

TEST_CASE(
    "a job's send time reaches the effect report: its result, or a receipt proving an "
    "unknown job went") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(kConfig, "effect.toml");
    JobStore jobs(redis, config.scheduler);
    const SysSeconds due = *parse_instant("2027-09-15T10:00:00+08:00");
    std::vector<Job> planned;
    for (const char* member : {"F0001", "F0002"}) {
        Job j;
        j.store = "toyland";
        j.kind = Kind::festival;
        j.member_id = member;
        j.occasion_date = *parse_date("2027-09-15");
        j.id = make_job_id(j.kind, j.member_id, j.occasion_date, "mid_autumn");
        j.to = phone_of(1);
        j.text = "【童乐玩具】中秋快乐";
        j.due_at = due;
        j.expires_at = due + 12h;
        j.created_at = due - 10h;
        planned.push_back(j);
    }
    REQUIRE(jobs.create(planned) == 2);
    // F0001's call may have reached the provider: unknown; then its receipt comes.
    redis.command({"HSET", keys::job(only_shard("toyland"), planned[0].id), "state", "unknown"});
    CHECK(jobs.record_delivery("toyland", planned[0].id, "delivered", due + 5min) ==
          JobState::delivered);
    EffectStore effects(redis);
    const auto touches =
        effects.touches("toyland", due - 1h, due + 1h, config.find_store("toyland")->zone);
    REQUIRE(touches.size() == 2);
    for (const auto& t : touches) {
        INFO(t.job_id);
        CHECK(t.member_id == (t.job_id == planned[0].id ? "F0001" : "F0002"));
        CHECK(t.kind == Kind::festival);
        CHECK(t.period == "2027-09-15:mid_autumn");
        CHECK(t.sms_parts == 1);
        CHECK_FALSE(t.held);
        if (t.job_id == planned[0].id)
            CHECK(t.sent_at == due + 5min);
        else
            CHECK_FALSE(t.sent_at);  // planned, never sent: counts from its due time
    }
}
