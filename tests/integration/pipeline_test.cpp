// The whole path in one process, on real sockets and a real Redis, with a
// fixed clock moved by hand: import → plan → dispatch → worker → outbox → result.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "io/member_store.h"
#include "io/zmq_frames.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"
#include "workers/outbox_sender.h"
#include "workers/worker.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

Config test_config() {
    return parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
[stores.toyland]
name = "童乐玩具"
send_time = "10:00"
[stores.la]
name = "洛城华人超市"
timezone = "America/Los_Angeles"
channels = ["sms"]
)",
                        "pipeline.toml");
}

MemberRecord member(const std::string& store, const std::string& id, const std::string& name,
                    const std::string& birthday, bool sms, bool wechat) {
    MemberRecord r{store, id, {}, {}};
    r.set = {{"name", name},
             {"gender", "F"},
             {"birthday", birthday},
             {"phone", "+8613800138000"},
             {"sms_optin", sms ? "1" : "0"},
             {"wechat_optin", wechat ? "1" : "0"}};
    if (wechat) {
        r.set["openid"] = "oTOY_" + id;
        r.set.insert_or_assign("wechat_sub",
                               std::string("1"));  // greetings on WeChat are subscription notices
    }
    return r;
}

std::vector<nlohmann::json> outbox_lines(const std::string& path) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(read_file(path));
    for (std::string line; std::getline(in, line);)
        lines.push_back(nlohmann::json::parse(line));
    return lines;
}

struct Pipeline {
    TestRedis server;
    TempDir dir;
    Config config = test_config();
    TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T00:00:10+08:00")};
    zmq::context_t zmq;
    RedisConnection scheduler_redis = server.connect();
    RedisConnection sms_redis = server.connect();
    RedisConnection wechat_redis = server.connect();
    std::unique_ptr<Scheduler> scheduler;
    OutboxSender sms_outbox{dir.file("sms.jsonl"), config};
    OutboxSender wechat_outbox{dir.file("wechat.jsonl"), config};
    std::unique_ptr<Worker> sms_worker, wechat_worker;

    Pipeline() {
        auto redis = server.connect();
        MemberStore(redis).upsert({
            member("toyland", "M1", "王芳", "1990-09-15", true, true),    // WeChat
            member("toyland", "M2", "李娜", "--09-15", true, false),      // SMS
            member("toyland", "M3", "赵敏", "1990-09-15", false, false),  // no consent
            member("toyland", "M4", "陈静", "1990-09-16", true, true),    // tomorrow
            member("la", "L1", "林美玲", "1990-09-15", true, false),      // still 14 Sept in LA
        });
        start_scheduler();
    }

    void start_scheduler() {
        sms_worker.reset();
        wechat_worker.reset();
        scheduler.reset();
        scheduler = std::make_unique<Scheduler>(config, templates, scheduler_redis, zmq, clock);
        sms_worker = std::make_unique<Worker>(
            Channel::sms, config, sms_outbox, sms_redis, zmq, clock, "sms-test",
            scheduler->job_endpoint(Channel::sms), scheduler->results_endpoint());
        wechat_worker = std::make_unique<Worker>(
            Channel::wechat, config, wechat_outbox, wechat_redis, zmq, clock, "wechat-test",
            scheduler->job_endpoint(Channel::wechat), scheduler->results_endpoint());
    }

    // One turn of everything; the clock moves a second when nothing could be
    // pushed (workers still connecting), so handed-back jobs come due again.
    void turn() {
        const auto now = clock.now();
        scheduler->plan_due_days(now);
        scheduler->requeue_overdue(now);
        const auto deferred = scheduler->stats().deferred;
        scheduler->dispatch_due(now);
        if (sms_worker) sms_worker->poll(20ms);
        if (wechat_worker) wechat_worker->poll(20ms);
        scheduler->handle_results(20ms);
        if (scheduler->stats().deferred != deferred) clock.advance(1s);
    }

    // Turns until every job of the store is finished (none planned or dispatched).
    bool settle(const std::string& store) {
        JobStore jobs(scheduler_redis, config.scheduler);
        return eventually([&] {
            turn();
            const auto c = jobs.counts(store);
            auto get = [&](const char* k) { return c.contains(k) ? c.at(k) : 0; };
            return get("planned") == 0 && get("dispatched") == 0;
        });
    }
};

}  // namespace

SCENARIO_METHOD(Pipeline, "a birthday day from import to outbox") {
    GIVEN("the day has begun in Shanghai") {
        turn();
        THEN("the birthdays are planned from the send time on, nothing goes before") {
            CHECK(scheduler->stats().planned == 2);
            CHECK(scheduler->stats().dispatched == 0);
            CHECK(outbox_lines(dir.file("sms.jsonl")).empty());
        }
        WHEN("the clock reaches 14:00, past the morning's spread (10:00-12:00)") {
            clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
            REQUIRE(settle("toyland"));
            THEN("each member with consent gets one greeting on the channel they agreed to") {
                const auto sms = outbox_lines(dir.file("sms.jsonl"));
                const auto wechat = outbox_lines(dir.file("wechat.jsonl"));
                REQUIRE(sms.size() == 1);
                REQUIRE(wechat.size() == 1);
                CHECK(sms[0]["member_id"] == "M2");
                CHECK(sms[0]["to"] == "+8613800138000");
                CHECK(sms[0]["kind"] == "birthday");
                CHECK(sms[0]["sent_at"].get<std::string>().starts_with("2027-09-15T14:00"));
                // As the phone shows it: signature first, unsubscribe suffix last.
                CHECK_THAT(sms[0]["text"].get<std::string>(),
                           Catch::StartsWith("【童乐玩具】李女士，童乐玩具祝您生日快乐") &&
                               Catch::EndsWith("回TD退订"));
                CHECK(wechat[0]["member_id"] == "M1");
                CHECK(wechat[0]["to"] == "oTOY_M1");
                CHECK(wechat[0]["job_id"] == "birthday:M1:2027-09-15");
                JobStore jobs(scheduler_redis, config.scheduler);
                CHECK(
                    jobs.get("toyland", "birthday:M1:2027-09-15", config.stores.at("toyland").zone)
                        ->state == JobState::sent);
                CHECK(jobs.counts("toyland").at("sent") == 2);
            }
            AND_WHEN("the day is planned again, and the scheduler restarts") {
                scheduler->plan_day(*config.find_store("toyland"), *parse_date("2027-09-15"));
                start_scheduler();
                for (int i = 0; i < 20; ++i)
                    turn();
                THEN("no second job and no second message") {
                    CHECK(scheduler->stats().planned == 0);
                    CHECK(outbox_lines(dir.file("sms.jsonl")).size() == 1);
                    CHECK(outbox_lines(dir.file("wechat.jsonl")).size() == 1);
                }
            }
        }
    }
    GIVEN("a store in Los Angeles") {
        turn();  // the Shanghai day planned at its midnight
        clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));  // 14 Sept, 23:00 in LA
        settle("toyland");
        THEN("its members' 15 September has not begun") {
            CHECK(outbox_lines(dir.file("sms.jsonl")).size() == 1);  // M2 only
        }
        WHEN("15 September begins in LA, and it is 14:00 there") {
            clock.set(*parse_instant("2027-09-15T00:00:10-07:00"));
            turn();
            clock.set(*parse_instant("2027-09-15T14:00:00-07:00"));
            REQUIRE(settle("la"));
            THEN("the LA member is greeted") {
                const auto sms = outbox_lines(dir.file("sms.jsonl"));
                REQUIRE(sms.size() == 2);
                CHECK(sms[1]["member_id"] == "L1");
                CHECK(sms[1]["sent_at"].get<std::string>().starts_with("2027-09-15T14:00"));
            }
        }
    }
    GIVEN("the greetings could not go out that day (no worker ran)") {
        sms_worker.reset();
        wechat_worker.reset();
        clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
        turn();
        clock.set(*parse_instant("2027-09-16T09:00:00+08:00"));
        turn();
        THEN("they expire instead of going a day late") {
            CHECK(scheduler->stats().expired == 2);
            JobStore jobs(scheduler_redis, config.scheduler);
            CHECK(jobs.get("toyland", "birthday:M2:2027-09-15", config.stores.at("toyland").zone)
                      ->state == JobState::expired);
        }
    }
}

TEST_CASE_METHOD(Pipeline, "malformed messages are dropped and counted, good ones still handled") {
    SECTION("on the scheduler's results socket") {
        zmq::socket_t rogue(zmq, zmq::socket_type::push);
        rogue.connect(scheduler->results_endpoint());
        rogue.send(zmq::str_buffer("huitou.result/1"), zmq::send_flags::sndmore);
        rogue.send(zmq::str_buffer("{broken"), zmq::send_flags::none);
        rogue.send(zmq::str_buffer("just one frame"), zmq::send_flags::none);
        CHECK(eventually([&] {
            scheduler->handle_results(20ms);
            return scheduler->stats().bad_messages == 2;
        }));
    }
    SECTION("on a worker's job socket") {
        zmq::socket_t fake_scheduler(zmq, zmq::socket_type::push);
        fake_scheduler.bind("tcp://127.0.0.1:*");
        OutboxSender outbox(dir.file("rogue.jsonl"), config);
        RedisConnection redis = server.connect();
        Worker worker(Channel::sms, config, outbox, redis, zmq, clock, "w",
                      fake_scheduler.get(zmq::sockopt::last_endpoint),
                      scheduler->results_endpoint());
        REQUIRE(eventually([&] {
            return send_frames(fake_scheduler, {"huitou.job/1", "not json"});
        }));
        send_frames(fake_scheduler, {"huitou.job/1"});
        // A well-formed job the worker has no claim on is refused, not sent.
        JobMessage m{"toyland",
                     "birthday:X:2027-09-15",
                     "X",
                     Kind::birthday,
                     Channel::sms,
                     "+8613800138000",
                     "hi",
                     {},
                     1,
                     clock.now() + 1h};
        send_frames(fake_scheduler, encode(m));
        CHECK(eventually([&] {
            worker.poll(20ms);
            return worker.stats().received == 3;
        }));
        CHECK(worker.stats().bad_messages == 2);
        CHECK(worker.stats().declined == 1);
        CHECK(worker.stats().sent == 0);
        CHECK(read_file(dir.file("rogue.jsonl")).empty());
    }
}
