// The welcome at the counter (core/welcome.h), on a real Redis and real
// sockets, with a fixed clock: an opt-in recorded at the counter or through
// the API creates one welcome job in the opt-in's own script; the scheduler
// claims it as every job and writes its words at dispatch from the member;
// the test plays the workers with PULL sockets. On both job layouts (the
// welcome is a job hash on each).
//
// One welcome with her name at 10:00, however often the opt-in is recorded
// again (the counter, the API, the CLI's path); an opt-in at 22:30 goes at
// the next morning's opening, not at night; an import with opt-ins welcomes
// nobody; an opt-out before it goes cancels it; a second channel has its
// own welcome once; erasure forgets her marker; `welcome = false` sends none.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/wire.h"
#include "io/consent_store.h"
#include "io/member_eraser.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/zmq_frames.h"
#include "scheduler/consent_http.h"
#include "scheduler/scheduler.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

std::string config_text(const std::string& storage, bool welcome) {
    return std::string(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
job_storage = ")") +
           storage + R"("
[store_defaults.policy]
spread_minutes = 0
[stores.toyland]
name = "童乐玩具"
channels = ["wechat", "sms"]
festivals = []
welcome = )" +
           (welcome ? "true" : "false") +
           R"(
[stores.toyland.winback]
enabled = false
)";
}

MemberRecord member(const std::string& id, FieldMap fields) {
    return MemberRecord{"toyland", id, std::move(fields), {}};
}

ConsentEvent at_counter(const std::string& id, Channel c, SysSeconds at, bool opt_in = true) {
    ConsentEvent e;
    e.at = at;
    e.store = "toyland";
    e.channel = c;
    e.opt_in = opt_in;
    e.source = ConsentSource::counter;
    e.member = id;
    e.detail = "staff wang at the counter";
    return e;
}

}  // namespace

TEST_CASE("a welcome goes once per member and channel after an opt-in at the counter or the API",
          "[welcome]") {
    spdlog::set_level(spdlog::level::warn);
    const std::string storage = GENERATE(std::string("sheets"), std::string("hashes"));
    INFO(storage);
    TestRedis server;
    const Config config = parse_config(config_text(storage, true), "welcome.toml");
    const StoreConfig& store = *config.find_store("toyland");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    FixedClock clock{*parse_instant("2027-09-10T09:59:00+08:00")};
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    JobStore jobs(redis, config.scheduler);
    ConsentStore consent(redis, config);
    MemberStore members(redis);
    members.upsert({
        member("W1", {{"name", "王芳"}, {"gender", "F"}, {"phone", "+8613800000001"}}),
        member("W2", {{"name", "李娜"},
                      {"gender", "F"},
                      {"phone", "+8613800000002"},
                      {"openid", "oTOY_welcome2"},
                      {"wechat_sub", "1"}}),
        member("W4", {{"name", "张伟"}, {"gender", "M"}, {"phone", "+8613800000004"}}),
        // An import with opt-ins: the shop's record, never a welcome.
        member(
            "W5",
            {{"name", "刘洋"}, {"gender", "M"}, {"phone", "+8613800000005"}, {"sms_optin", "1"}}),
    });

    zmq::socket_t sms(zmq, zmq::socket_type::pull), wechat(zmq, zmq::socket_type::pull);
    zmq::socket_t results(zmq, zmq::socket_type::push);
    for (auto* s : {&sms, &wechat, &results})
        s->set(zmq::sockopt::linger, 0);
    sms.connect(scheduler.job_endpoint(Channel::sms));
    wechat.connect(scheduler.job_endpoint(Channel::wechat));
    results.connect(scheduler.results_endpoint());

    struct Sent {
        JobMessage job;
        SysSeconds at;
    };
    std::vector<Sent> sent;
    auto take = [&](zmq::socket_t& pull) {
        while (auto frames = receive_frames(pull)) {
            auto decoded = decode_job(frame_views(*frames));
            REQUIRE(decoded.message);
            ResultMessage r;
            r.store = decoded.message->store;
            r.job_id = decoded.message->job_id;
            r.outcome = Outcome::sent;
            r.provider = "test";
            r.provider_ref = "ref-" + r.job_id;
            r.at = clock.now();
            r.worker = "test-worker";
            REQUIRE(send_frames(results, encode(r)));
            sent.push_back({std::move(*decoded.message), clock.now()});
        }
    };
    // Dispatches what is due now until nothing is due or in flight.
    auto run = [&] {
        REQUIRE(eventually([&] {
            const auto deferred = scheduler.stats().deferred;
            scheduler.dispatch_due(clock.now());
            // A push before the PULL's connection is up comes back due a second later.
            if (scheduler.stats().deferred != deferred) clock.advance(1s);
            zmq::pollitem_t items[] = {{sms.handle(), 0, ZMQ_POLLIN, 0},
                                       {wechat.handle(), 0, ZMQ_POLLIN, 0}};
            zmq::poll(items, 2, 20ms);
            take(sms);
            take(wechat);
            scheduler.handle_results(20ms);
            const auto c = jobs.counts("toyland");
            return jobs.count_due("toyland", clock.now()) == 0 &&
                   (!c.contains("dispatched") || c.at("dispatched") == 0);
        }));
    };
    auto sent_to = [&](const std::string& member_id) {
        std::vector<Sent> out;
        for (const auto& s : sent)
            if (s.job.member_id == member_id) out.push_back(s);
        return out;
    };

    // 10:00 at the counter: W1 says yes to SMS.
    clock.set(*parse_instant("2027-09-10T10:00:00+08:00"));
    const auto first = consent.record(at_counter("W1", Channel::sms, clock.now()));
    CHECK(first.welcome_job == "welcome:W1:2027-09-10:sms");
    CHECK(first.welcome_due == clock.now());
    // The same yes again (a double tap), through the API, and at the counter once more.
    CHECK(consent.record(at_counter("W1", Channel::sms, clock.now() + 5s)).welcome_job.empty());
    ConsentHttpHandler api(config, server.endpoint(), clock, true);
    const auto answer = api(R"({"store":"toyland","channel":"sms","event":"opt_in",)"
                            R"("source":"api","member_id":"W1","detail":"POS"})");
    CHECK(answer.status == 200);
    CHECK_FALSE(nlohmann::json::parse(answer.body).contains("welcome_job"));
    // The import's own consent event (a batch naming its members) welcomes nobody.
    ConsentEvent batch;
    batch.at = clock.now();
    batch.store = "toyland";
    batch.channel = Channel::sms;
    batch.opt_in = true;
    batch.source = ConsentSource::import;
    batch.members = {"W5"};
    batch.detail = "members.csv";
    CHECK(consent.record(batch).welcome_job.empty());
    // W4 says yes, then replies T before it goes: nothing goes to her.
    CHECK_FALSE(consent.record(at_counter("W4", Channel::sms, clock.now())).welcome_job.empty());
    ConsentEvent reply;
    reply.at = clock.now();
    reply.store = "toyland";
    reply.channel = Channel::sms;
    reply.opt_in = false;
    reply.source = ConsentSource::sms_reply;
    reply.address = "+8613800000004";
    reply.detail = "T";
    consent.record(reply);
    run();

    {
        const auto w1 = sent_to("W1");
        REQUIRE(w1.size() == 1);
        CHECK(w1[0].job.job_id == "welcome:W1:2027-09-10:sms");
        CHECK(w1[0].job.kind == Kind::welcome);
        CHECK(w1[0].job.channel == Channel::sms);
        CHECK(w1[0].job.to == "+8613800000001");
        CHECK(w1[0].job.text.find("王女士，欢迎加入童乐玩具会员！") != std::string::npos);
        CHECK(w1[0].at < *parse_instant("2027-09-10T10:01:00+08:00"));
        CHECK(sent_to("W4").empty());
        CHECK(sent_to("W5").empty());
        const auto w4 = jobs.get("toyland", "welcome:W4:2027-09-10:sms", store.zone);
        REQUIRE(w4);
        CHECK(w4->state == JobState::cancelled);
    }

    // 22:30: W2 says yes to SMS — after the last window: at the next morning's opening.
    clock.set(*parse_instant("2027-09-10T22:30:00+08:00"));
    const auto late = consent.record(at_counter("W2", Channel::sms, clock.now()));
    CHECK(late.welcome_job == "welcome:W2:2027-09-10:sms");
    CHECK(late.welcome_due == *parse_instant("2027-09-11T09:00:00+08:00"));
    scheduler.dispatch_due(clock.now());
    clock.set(*parse_instant("2027-09-11T08:59:00+08:00"));
    scheduler.dispatch_due(clock.now());
    zmq::pollitem_t items[] = {{sms.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, 50ms);
    take(sms);
    CHECK(sent_to("W2").empty());  // not at night
    clock.set(*parse_instant("2027-09-11T09:00:00+08:00"));
    run();
    {
        const auto w2 = sent_to("W2");
        REQUIRE(w2.size() == 1);
        CHECK(w2[0].job.job_id == "welcome:W2:2027-09-10:sms");
        CHECK(w2[0].at >= *parse_instant("2027-09-11T09:00:00+08:00"));
        CHECK(w2[0].job.text.find("李女士，欢迎加入童乐玩具会员！") != std::string::npos);
    }

    // 10:00 the next day: W2 says yes to WeChat too — its own welcome, once.
    clock.set(*parse_instant("2027-09-11T10:00:00+08:00"));
    CHECK(consent.record(at_counter("W2", Channel::wechat, clock.now())).welcome_job ==
          "welcome:W2:2027-09-11:wechat");
    CHECK(consent.record(at_counter("W2", Channel::wechat, clock.now())).welcome_job.empty());
    CHECK(consent.record(at_counter("W2", Channel::sms, clock.now())).welcome_job.empty());
    run();
    {
        const auto w2 = sent_to("W2");
        REQUIRE(w2.size() == 2);
        CHECK(w2[1].job.job_id == "welcome:W2:2027-09-11:wechat");
        CHECK(w2[1].job.channel == Channel::wechat);
        CHECK(w2[1].job.to == "oTOY_welcome2");
    }

    // Days later, W1 opts out and in again: she was welcomed, no second one.
    clock.set(*parse_instant("2027-09-14T10:00:00+08:00"));
    consent.record(at_counter("W1", Channel::sms, clock.now(), false));
    CHECK(consent.record(at_counter("W1", Channel::sms, clock.now())).welcome_job.empty());
    run();
    CHECK(sent_to("W1").size() == 1);
    CHECK(sent.size() == 3);

    // What the member views show, and what erasure forgets.
    const auto welcomed = consent.welcomed("toyland", "W2");
    REQUIRE(welcomed.size() == 2);
    CHECK(welcomed.at(Channel::sms) == *parse_instant("2027-09-10T22:30:00+08:00"));
    CHECK(consent.welcomed("toyland", "W5").empty());
    REQUIRE(MemberEraser(redis, config).erase("toyland", "W1", clock.now()));
    CHECK(consent.welcomed("toyland", "W1").empty());
    CHECK(redis.command({"HEXISTS", keys::welcomed(only_shard("toyland")), "W2|sms"}).integer == 1);
}

TEST_CASE("a store with welcome = false welcomes nobody", "[welcome]") {
    TestRedis server;
    const Config config = parse_config(config_text("sheets", false), "welcome.toml");
    RedisConnection redis = server.connect();
    MemberStore(redis).upsert(
        {member("W1", {{"name", "王芳"}, {"gender", "F"}, {"phone", "+8613800000001"}})});
    ConsentStore consent(redis, config);
    const auto at = *parse_instant("2027-09-10T10:00:00+08:00");
    CHECK(consent.record(at_counter("W1", Channel::sms, at)).welcome_job.empty());
    CHECK(consent.welcomed("toyland", "W1").empty());
    const auto counts = JobStore(redis, config.scheduler).counts("toyland");
    CHECK((!counts.contains("planned") || counts.at("planned") == 0));
}
