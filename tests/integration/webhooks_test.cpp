// Webhooks end to end: events written with the changes that make them, a
// receiver on loopback that is down, then answers 500, then comes back —
// every event arrives at least once, in order per member, signed (checked
// by the receiver with its own HMAC code) — a dispatcher restarted in the
// middle losing nothing, replay, the log; and, with the real daemons, a
// receiver that hangs while the scheduler sends every job.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/store_shards.h"
#include "core/webhook_plan.h"
#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/redis_cluster.h"
#include "io/redis_keys.h"
#include "io/visit_store.h"
#include "io/webhook_dispatcher.h"
#include "io/webhook_store.h"
#include "io/winback_store.h"
#include "tests/integration/daemons.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

// The receiver's own check, as a shop's developer would write it from
// docs/webhooks.md: HMAC-SHA256 of "<timestamp>.<body>", hex, after "v1=".
bool signature_valid(const std::string& secret, const std::string& timestamp,
                     const std::string& body, const std::string& header) {
    const std::string message = timestamp + "." + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &n);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < n; ++i)
        std::snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    return header == "v1=" + std::string(hex, 2 * n) &&
           std::llabs(now - std::stoll(timestamp)) < 300;
}

struct Received {
    std::string id, type, member;
    bool signed_ok = false;
};

// A webhook receiver on 127.0.0.1:<port>: answers 200, 500, or holds the
// call until released.
class Receiver {
  public:
    enum class Mode { ok, error, hang };
    Receiver(int port, std::string secret) : secret_(std::move(secret)) {
        server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::unique_lock lock(mutex_);
            Received r;
            const auto body = nlohmann::json::parse(req.body);
            r.id = body.at("id");
            r.type = body.at("type");
            r.member =
                body.at("member_id").is_null() ? "" : body.at("member_id").get<std::string>();
            r.signed_ok =
                req.get_header_value("Huitou-Webhook-Id") == r.id &&
                signature_valid(secret_, req.get_header_value("Huitou-Webhook-Timestamp"), req.body,
                                req.get_header_value("Huitou-Webhook-Signature"));
            calls_.push_back(r);
            if (mode_ == Mode::hang) {
                ++hanging_;
                changed_.notify_all();
                changed_.wait_for(lock, 60s, [this] { return mode_ != Mode::hang; });
                --hanging_;
                res.status = 503;
                return;
            }
            if (mode_ == Mode::error) {
                res.status = 500;
                return;
            }
            if (before_answer_) before_answer_();
            delivered_.push_back(r);
            res.status = 204;
        });
        if (!server_.bind_to_port("127.0.0.1", port))
            throw std::runtime_error("receiver: cannot bind");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running())
            std::this_thread::sleep_for(1ms);
    }
    ~Receiver() {
        set_mode(Mode::ok);
        server_.stop();
        thread_.join();
    }
    void set_mode(Mode m) {
        std::lock_guard lock(mutex_);
        mode_ = m;
        changed_.notify_all();
    }
    // Called on the receiver's thread before a call is answered 204.
    void set_before_answer(std::function<void()> f) {
        std::lock_guard lock(mutex_);
        before_answer_ = std::move(f);
    }
    std::vector<Received> calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    std::vector<Received> delivered() {
        std::lock_guard lock(mutex_);
        return delivered_;
    }
    int hanging() {
        std::lock_guard lock(mutex_);
        return hanging_;
    }

  private:
    std::string secret_;
    httplib::Server server_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    Mode mode_ = Mode::ok;
    int hanging_ = 0;
    std::vector<Received> calls_, delivered_;
    std::function<void()> before_answer_;
};

// The store's events as the stream holds them: (event id, member, type).
std::vector<std::tuple<std::string, std::string, std::string>> stream(RedisConnection& redis,
                                                                      const std::string& store) {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    const auto r = redis.command({"XRANGE", keys::webhook_events(only_shard(store)), "-", "+"});
    for (const auto& e : r.elements) {
        std::map<std::string, std::string> f;
        for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2)
            f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
        out.emplace_back(webhook_event_id(store, e.elements[0].str), f["m"], f["t"]);
    }
    return out;
}

Config webhook_config() {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[stores.ktv]
name = "欢唱KTV"
)",
                        "webhooks.toml");
}

Job job(const std::string& member, int n, SysSeconds now) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::birthday;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date) + ":" + std::to_string(n);
    j.channel = Channel::sms;
    j.to = "+861380013800" + member.substr(1);
    j.text = "生日快乐";
    j.due_at = now;
    j.expires_at = now + 24h;
    j.created_at = now;
    return j;
}

ResultMessage sent(const Job& j, SysSeconds now) {
    ResultMessage r;
    r.store = j.store;
    r.job_id = j.id;
    r.outcome = Outcome::sent;
    r.provider = "outbox";
    r.at = now;
    return r;
}

// Every key under hash tag `tag` (a store's, or one shard's), DUMPed: what
// a fenced shard must keep byte for byte.
// (SCAN: on a cluster it goes where the pattern's tag lives.)
std::map<std::string, std::string> dump_store(RedisConnection& redis, const std::string& tag) {
    std::map<std::string, std::string> out;
    std::string cursor = "0";
    do {
        const auto r =
            redis.command({"SCAN", cursor, "MATCH", "hu:{" + tag + "}:*", "COUNT", "1000"});
        r.expect_ok("SCAN");
        cursor = r.elements.at(0).str;
        for (const auto& key : r.elements.at(1).elements)
            out[key.str] = redis.command({"DUMP", key.str}).str;
    } while (cursor != "0");
    return out;
}

// Member `member`'s message `n`: sent, then delivered (two events).
void sent_and_delivered(JobStore& jobs, const std::string& member, int n, SysSeconds now) {
    const Job j = job(member, n, now);
    REQUIRE(jobs.create({j}) == 1);
    jobs.record(sent(j, now));
    jobs.record_delivery("toyland", j.id, "delivered", now + 1s, "");
}

// An endpoint of toyland's for every event type, at a receiver on `port`.
WebhookEndpoint toyland_hook(WebhookStore& hooks, int port, SysSeconds now) {
    return hooks.add("http://127.0.0.1:" + std::to_string(port) + "/hook", false, {"toyland"},
                     webhook_event_types(), {"toyland"}, now);
}

// The fence tests' dispatcher: every store served, a call cut at 2 s.
WebhookDispatchOptions two_second_calls() {
    WebhookDispatchOptions options;
    options.timeout = 2000ms;
    return options;
}

}  // namespace

TEST_CASE("webhook events are written with the change, only while an endpoint covers the store") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = webhook_config();
    const SysSeconds now = at("2027-09-15T10:00:00+08:00");
    JobStore jobs(redis, config.scheduler);
    const Job first = job("M1", 1, now);
    REQUIRE(jobs.create({first}) == 1);
    jobs.record(sent(first, now));
    CHECK(redis.command({"EXISTS", keys::webhook_events(only_shard("toyland"))}).integer == 0);

    WebhookStore hooks(redis);
    const auto e = hooks.add("https://crm.example.com/h", false, {"toyland"}, webhook_event_types(),
                             {"toyland", "ktv"}, now);
    CHECK(redis.command({"EXISTS", keys::webhooks_on(only_shard("toyland"))}).integer == 1);
    CHECK(redis.command({"EXISTS", keys::webhooks_on(only_shard("ktv"))}).integer == 0);

    jobs.record_delivery("toyland", first.id, "delivered", now + 5s, "");
    const Job second = job("M2", 1, now), third = job("M2", 2, now);
    REQUIRE(jobs.create({second, third}) == 2);
    auto failed = sent(second, now);
    failed.outcome = Outcome::failed;
    failed.error = "invalid number";
    jobs.record(failed);
    jobs.record(sent(third, now));
    jobs.record_delivery("toyland", third.id, "undelivered", now + 9s, "MK:0001");
    ConsentEvent opt_out;
    opt_out.store = "toyland";
    opt_out.member = "M3";
    opt_out.address = "+8613800138003";
    opt_out.channel = Channel::sms;
    opt_out.opt_in = false;
    opt_out.source = ConsentSource::sms_reply;
    opt_out.at = now;
    opt_out.detail = "T";
    ConsentStore(redis, config).record(opt_out);

    const auto events = stream(redis, "toyland");
    std::vector<std::string> types;
    for (const auto& [id, member, type] : events)
        types.push_back(type + " " + member);
    CHECK(types == std::vector<std::string>{"message.delivered M1", "message.failed M2",
                                            "message.sent M2", "message.failed M2",
                                            "consent.changed M3"});
    // The data of the carrier's failure.
    const auto r = redis.command({"XRANGE", keys::webhook_events(only_shard("toyland")), "-", "+"});
    const auto data = nlohmann::json::parse(r.elements[3].elements[1].elements[7].str);
    CHECK(data["status"] == "undelivered");
    CHECK(data["error"] == "MK:0001");
    CHECK(data["job_id"] == third.id);

    SECTION("removing the endpoint stops the events") {
        REQUIRE(hooks.remove(e.id, {"toyland", "ktv"}));
        CHECK(redis.command({"EXISTS", keys::webhooks_on(only_shard("toyland"))}).integer == 0);
        const Job fourth = job("M4", 1, now);
        jobs.create({fourth});
        jobs.record(sent(fourth, now));
        CHECK(stream(redis, "toyland").size() == events.size());
        CHECK_FALSE(hooks.remove(e.id, {"toyland", "ktv"}));
    }
}

TEST_CASE("webhook delivery: down, then 500, then back — order per member — restart — replay") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = webhook_config();
    FixedClock clock{at("2027-09-15T10:00:00+08:00")};
    WebhookStore hooks(redis);
    const int port = free_port();
    const auto endpoint =
        hooks.add("http://127.0.0.1:" + std::to_string(port) + "/hook", false, {"toyland"},
                  webhook_event_types(), {"toyland", "ktv"}, clock.now());
    JobStore jobs(redis, config.scheduler);
    // Five members, two messages each: sent, then delivered or failed.
    auto make_events = [&](int round) {
        for (int m = 0; m < 5; ++m) {
            const Job j = job("M" + std::to_string(m), round, clock.now());
            REQUIRE(jobs.create({j}) == 1);
            jobs.record(sent(j, clock.now()));
            jobs.record_delivery("toyland", j.id, m % 2 ? "undelivered" : "delivered",
                                 clock.now() + 1s, "");
        }
    };
    make_events(1);
    make_events(2);
    MetricsRegistry metrics, metrics_after;  // a registry a process: one a dispatcher
    WebhookDispatchOptions options;
    options.timeout = 2000ms;
    const auto everyone = [](const std::string&) { return true; };
    auto dispatcher = std::make_unique<WebhookDispatcher>(config, server.endpoint(), clock,
                                                          everyone, &metrics, options);

    // Down: one call a member (the head), each refused, each due again later.
    CHECK(dispatcher->run_round() == 5);
    const auto due_key = keys::webhook_state(only_shard("toyland"), "due", endpoint.id);
    CHECK(redis.command({"ZCARD", due_key}).integer == 5);
    CHECK(dispatcher->run_round() == 0);  // nothing due before the backoff
    auto log = hooks.log("toyland", endpoint.id, 100);
    REQUIRE(log.size() == 5);
    CHECK(log[0].result == "retry");
    CHECK(log[0].status == 0);
    CHECK_FALSE(log[0].error.empty());

    // Answers 500: the heads again, nothing else.
    auto receiver = std::make_unique<Receiver>(port, endpoint.secret);
    receiver->set_mode(Receiver::Mode::error);
    clock.advance(15s);
    CHECK(dispatcher->run_round() == 5);
    CHECK(receiver->calls().size() == 5);
    std::set<std::string> heads;
    for (const auto& c : receiver->calls())
        heads.insert(c.member);
    CHECK(heads.size() == 5);
    log = hooks.log("toyland", endpoint.id, 1);
    CHECK(log[0].status == 500);
    CHECK(log[0].attempt == 2);

    // The dispatcher restarts (a scheduler killed): everything is in Redis.
    dispatcher.reset();
    make_events(3);
    dispatcher = std::make_unique<WebhookDispatcher>(config, server.endpoint(), clock, everyone,
                                                     &metrics_after, options);
    receiver->set_mode(Receiver::Mode::ok);
    const auto events = stream(redis, "toyland");
    REQUIRE(events.size() == 30);
    for (int round = 0; round < 100 && receiver->delivered().size() < events.size(); ++round) {
        clock.advance(1h);
        dispatcher->run_round();
    }
    const auto delivered = receiver->delivered();
    // Every event at least once, each call signed.
    std::set<std::string> ids;
    for (const auto& d : delivered) {
        ids.insert(d.id);
        CHECK(d.signed_ok);
    }
    CHECK(ids.size() == events.size());
    for (const auto& c : receiver->calls())
        CHECK(c.signed_ok);
    // In order per member: each member's first receipts follow the stream.
    std::map<std::string, std::vector<std::string>> expected, got;
    for (const auto& [id, member, type] : events)
        expected[member].push_back(id);
    std::set<std::string> seen;
    for (const auto& d : delivered)
        if (seen.insert(d.id).second) got[d.member].push_back(d.id);
    CHECK(got == expected);
    CHECK(redis.command({"ZCARD", due_key}).integer == 0);
    CHECK(redis.command({"HLEN", keys::webhook_state(only_shard("toyland"), "q", endpoint.id)})
              .integer == 0);
    CHECK(metrics_after.render().find("huitou_webhook_calls_total{store=\"toyland\",endpoint=\"" +
                                      endpoint.id + "\",result=\"delivered\"} 30") !=
          std::string::npos);

    SECTION("replay delivers kept events again, with their ids") {
        const auto real_now =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        CHECK(hooks.replay("toyland", endpoint, real_now - 1h, real_now + 1h) == 30);
        for (int round = 0; round < 20 && receiver->delivered().size() < 60; ++round)
            dispatcher->run_round();
        CHECK(receiver->delivered().size() == 60);
    }
    SECTION("an endpoint that wants fewer types gets only those") {
        const auto fewer = hooks.add("http://127.0.0.1:" + std::to_string(port) + "/hook", false,
                                     {"toyland"}, {"message.failed"}, {"toyland"}, clock.now());
        dispatcher.reset();  // reads the endpoints again
        dispatcher = std::make_unique<WebhookDispatcher>(config, server.endpoint(), clock, everyone,
                                                         nullptr, options);
        make_events(4);
        const auto before = receiver->delivered().size();
        for (int round = 0; round < 20; ++round)
            dispatcher->run_round();
        // The first endpoint: 10 events; the second: the 2 failures of M1 and M3.
        CHECK(receiver->delivered().size() == before + 10 + 2);
        CHECK(hooks.log("toyland", fewer.id, 100).size() == 2);
    }
}

TEST_CASE(
    "webhooks of a store over three shards: ids by shard, all delivered, in order per member") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = webhook_config();
    // What `huitou reshard` will write for an empty store (build step 6).
    redis.command({"HSET", keys::shard_record("toyland"), "k", "3", "hash", "1"});
    FixedClock clock{at("2027-09-15T10:00:00+08:00")};
    WebhookStore hooks(redis);
    const int port = free_port();
    const auto endpoint = hooks.add("http://127.0.0.1:" + std::to_string(port) + "/hook", false,
                                    {"toyland"}, webhook_event_types(), {"toyland"}, clock.now());
    // Every shard's flag and cursor: the scripts of each shard write events.
    for (const auto& shard : all_shards("toyland", 3))
        CHECK(redis.command({"GET", keys::webhooks_on(shard)}).str == "1");
    JobStore jobs(redis, config.scheduler);
    std::map<std::string, int> shard_of;  // member → her shard
    for (int m = 0; m < 9; ++m) {
        const Job j = job("M" + std::to_string(m), 1, clock.now());
        shard_of[j.member_id] = member_shard(j.member_id, 3);
        REQUIRE(jobs.create({j}) == 1);
        jobs.record(sent(j, clock.now()));
        jobs.record_delivery("toyland", j.id, "delivered", clock.now() + 1s, "");
    }
    std::set<int> shards_used;
    for (const auto& [member, shard] : shard_of)
        shards_used.insert(shard);
    REQUIRE(shards_used.size() == 3);
    // Each shard's stream holds its members' events, none of the others'.
    std::size_t in_streams = 0;
    for (const auto& shard : all_shards("toyland", 3)) {
        const auto r = redis.command({"XRANGE", keys::webhook_events(shard), "-", "+"});
        for (const auto& e : r.elements) {
            std::map<std::string, std::string> f;
            for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2)
                f[e.elements[1].elements[i].str] = e.elements[1].elements[i + 1].str;
            CHECK(shard_of.at(f["m"]) == shard.index);
            ++in_streams;
        }
    }
    CHECK(in_streams == 9 * 2);  // sent, delivered

    Receiver receiver(port, endpoint.secret);
    WebhookDispatchOptions options;
    options.timeout = 2000ms;
    WebhookDispatcher dispatcher(
        config, server.endpoint(), clock, [](const std::string&) { return true; }, nullptr,
        options);
    for (int round = 0; round < 50 && receiver.delivered().size() < in_streams; ++round) {
        clock.advance(1h);
        dispatcher.run_round();
    }
    const auto delivered = receiver.delivered();
    CHECK(delivered.size() == in_streams);
    std::set<std::string> ids;
    std::map<std::string, std::vector<std::string>> types_of;  // member → types in order
    for (const auto& d : delivered) {
        ids.insert(d.id);
        CHECK(d.signed_ok);  // the header's id is the body's
        // "<store>.<K>.<shard>:<stream id>": stream ids repeat across shards.
        INFO(d.id);
        CHECK(d.id.starts_with("toyland.3." + std::to_string(shard_of.at(d.member)) + ":"));
        types_of[d.member].push_back(d.type);
    }
    CHECK(ids.size() == delivered.size());
    for (const auto& [member, types] : types_of) {
        INFO(member);
        REQUIRE(types.size() == 2);
        CHECK(types[0] == "message.sent");
        CHECK(types[1] == "message.delivered");
    }
    CHECK(hooks.log("toyland", endpoint.id, 100).size() == in_streams);
}

TEST_CASE(
    "webhooks: a receiver that hangs does not delay sending — the daemon delivers after a "
    "restart") {
    Daemons d;
    d.import_members(40);
    const int port = free_port();
    auto add = run({bin("huitou"), "webhooks", "add", "--url",
                    "http://127.0.0.1:" + std::to_string(port) + "/hook", "--store", "toyland",
                    "--events", "message.sent"},
                   d.env);
    REQUIRE(add.status == 0);
    CHECK(add.err.find("warning: plain http://") != std::string::npos);
    std::istringstream lines(add.out);
    std::string id, secret;
    lines >> id >> secret;
    REQUIRE(is_webhook_id(id));
    Receiver receiver(port, secret);
    receiver.set_mode(Receiver::Mode::hang);

    {
        auto scheduler = d.scheduler("scheduler.log");
        auto worker = d.sms_worker("sms.log");
        // Every job goes out while the receiver holds the webhook calls.
        REQUIRE(eventually([&] { return receiver.hanging() > 0; }, 30s));
        REQUIRE(eventually([&] { return d.counts()["sent"] == 40; }, 60s));
        CHECK(receiver.delivered().empty());
        CHECK(receiver.hanging() > 0);
        // Killed with the events undelivered.
        scheduler.signal(SIGKILL);
        scheduler.wait(5s);
    }
    receiver.set_mode(Receiver::Mode::ok);
    auto scheduler = d.scheduler("scheduler2.log");
    REQUIRE(eventually(
        [&] {
            std::set<std::string> ids;
            for (const auto& r : receiver.delivered())
                ids.insert(r.id);
            return ids.size() == 40;
        },
        60s));
    for (const auto& r : receiver.delivered()) {
        CHECK(r.type == "message.sent");
        CHECK(r.signed_ok);
    }
    const auto log = run(
        {bin("huitou"), "webhooks", "log", "--endpoint", id, "--limit", "500", "--json"}, d.env);
    REQUIRE(log.status == 0);
    const auto attempts = nlohmann::json::parse(log.out)["attempts"];
    std::size_t ok = 0;
    for (const auto& a : attempts)
        ok += a["result"] == "delivered" ? 1 : 0;
    CHECK(ok >= 40);
    const auto list = run({bin("huitou"), "webhooks", "list", "--json"}, d.env);
    CHECK(list.out.find(id) != std::string::npos);
    CHECK(list.out.find("whsec_") == std::string::npos);
}

TEST_CASE("webhook events from the dispatch, worker, visit and win-back scripts") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = webhook_config();
    const SysSeconds now = at("2027-09-15T10:00:00+08:00");
    WebhookStore(redis).add("https://crm.example.com/h", false, {"toyland"}, webhook_event_types(),
                            {"toyland"}, now);
    JobStore jobs(redis, config.scheduler);
    auto types = [&] {
        std::vector<std::string> out;
        for (const auto& [id, member, type] : stream(redis, "toyland"))
            out.push_back(type + " " + member);
        return out;
    };
    auto data = [&](std::size_t i) {
        const auto r =
            redis.command({"XRANGE", keys::webhook_events(only_shard("toyland")), "-", "+"});
        const auto& f = r.elements.at(i).elements[1].elements;
        return nlohmann::json::parse(f[f.size() - 1].str);
    };

    SECTION("claim_due: expired is skipped, out of attempts is failed") {
        Job late = job("M1", 1, now - 48h), tried = job("M2", 1, now);
        REQUIRE(jobs.create({late, tried}) == 2);
        redis.command({"HSET", keys::job(only_shard("toyland"), tried.id), "calls",
                       std::to_string(config.scheduler.max_attempts)});
        jobs.claim_due("toyland", now, 10, nullptr);
        const auto t = types();
        CHECK(std::set<std::string>(t.begin(), t.end()) ==
              std::set<std::string>{"message.skipped M1", "message.failed M2"});
    }
    SECTION("begin_send: an address that opted out is skipped") {
        const Job j = job("M3", 1, now);
        REQUIRE(jobs.create({j}) == 1);
        REQUIRE(jobs.claim_due("toyland", now, 10, nullptr).jobs.size() == 1);
        redis.command({"SADD", keys::opt_outs(only_shard("toyland"), "sms"), j.to});
        CHECK(jobs.begin_send("toyland", j.id, 1, "sms@test", now) == BeginSend::cancelled);
        CHECK(types() == std::vector<std::string>{"message.skipped M3"});
        CHECK(data(0)["reason"] == "opted_out");
    }
    SECTION("a visit: the reminder it makes unneeded is skipped, and the member came back") {
        VisitStore visits(redis, config);
        const auto visit = [&](const char* when, const char* day) {
            return Visit{"toyland", "W1", at(when), *parse_date(day), std::string("t:") + when,
                         12800};
        };
        visits.record({visit("2027-08-01T12:00:00+08:00", "2027-08-01")}, now);
        redis.command({"HSET", keys::visit_state(only_shard("toyland"), "W1"), "state", "reminded",
                       "step", "2", "msgs", "1"});
        Job reached = job("W1", 1, now), next = job("W1", 2, now);
        reached.kind = next.kind = Kind::winback;
        reached.id = "winback:W1:2027-08-01:1";
        next.id = "winback:W1:2027-08-01:2";
        REQUIRE(jobs.create({reached, next}) == 2);
        jobs.record(sent(reached, now));
        visits.record({visit("2027-09-15T12:00:00+08:00", "2027-09-15")}, now);
        CHECK(types() == std::vector<std::string>{"message.sent W1", "message.skipped W1",
                                                  "member.came_back W1"});
        CHECK(data(1)["reason"] == "came_back");
        CHECK(data(2)["message"] == "winback:W1:2027-08-01:1");
        CHECK(data(2)["absent_since"] == "2027-08-01");
        CHECK(data(2)["amount_cents"] == "12800");
    }
    SECTION("a win-back step whose member came back meanwhile: its fresh job is skipped") {
        VisitStore(redis, config)
            .record({Visit{"toyland", "W2", at("2027-09-10T12:00:00+08:00"),
                           *parse_date("2027-09-10"), "t:1", std::nullopt}},
                    now);
        Job fresh = job("W2", 1, now);
        fresh.kind = Kind::winback;
        fresh.id = "winback:W2:2027-07-01:1";
        REQUIRE(jobs.create({fresh}) == 1);
        WinbackTransition t;
        t.member_id = "W2";
        t.before.last_date = *parse_date("2027-07-01");  // read before the visit
        t.step.state = WinbackState::reminded;
        t.step.step = 1;
        t.step.job = fresh;
        CHECK(WinbackStore(redis, config.scheduler).apply("toyland", {t}, now) ==
              std::vector<bool>{false});
        CHECK(types() == std::vector<std::string>{"message.skipped W2"});
        CHECK(data(0)["reason"] == "came_back");
    }
}

// The reshard fence (docs/architecture.md, "A store over K shards"): the
// dispatcher's MULTI/EXEC writes watch and read hu:{T}:frozen. With K = 1
// the fence is hu:{S}:frozen. While it says copy, events already in the
// stream (a script writing a new one is refused by its own fence) are
// neither taken in nor called, and the store's keys stay byte for byte.
TEST_CASE("webhooks: a copy fence stops intake, calls and outcomes — lifted, each event once") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = webhook_config();
    FixedClock clock{at("2027-09-15T10:00:00+08:00")};
    WebhookStore hooks(redis);
    const int port = free_port();
    const auto endpoint = toyland_hook(hooks, port, clock.now());
    JobStore jobs(redis, config.scheduler);
    for (int m = 0; m < 3; ++m)
        sent_and_delivered(jobs, "M" + std::to_string(m), 1, clock.now());
    Receiver receiver(port, endpoint.secret);
    receiver.set_mode(Receiver::Mode::error);
    WebhookDispatcher dispatcher(
        config, server.endpoint(), clock, [](const std::string&) { return true; }, nullptr,
        two_second_calls());
    // Every webhook key in use: a cursor, queues, heads due, tries, a log.
    REQUIRE(dispatcher.run_round() == 3);
    for (int m = 3; m < 5; ++m)  // in the stream, not taken in
        sent_and_delivered(jobs, "M" + std::to_string(m), 1, clock.now());
    const auto events = stream(redis, "toyland");
    REQUIRE(events.size() == 10);

    const std::string fence = "hu:{toyland}:frozen";
    redis.command({"SET", fence, "copy"}).expect_ok("SET fence");
    const auto before = dump_store(redis, "toyland");
    for (const char* name : {"cur", "q", "due", "try", "log"})
        REQUIRE(before.contains(keys::webhook_state(only_shard("toyland"), name, endpoint.id)));
    receiver.set_mode(Receiver::Mode::ok);
    const auto calls_before = receiver.calls().size();
    for (int round = 0; round < 3; ++round) {
        clock.advance(1h);  // the retries are due, the new events would be
        CHECK(dispatcher.run_round() == 0);
    }
    CHECK(receiver.calls().size() == calls_before);
    CHECK(dump_store(redis, "toyland") == before);

    SECTION("drain lets it run") {
        redis.command({"SET", fence, "drain"}).expect_ok("SET fence");
    }
    SECTION("lifted") {
        redis.command({"DEL", fence}).expect_ok("DEL fence");
    }
    for (int round = 0; round < 20 && receiver.delivered().size() < events.size(); ++round) {
        clock.advance(1h);
        dispatcher.run_round();
    }
    const auto delivered = receiver.delivered();
    std::set<std::string> ids;
    for (const auto& d : delivered)
        ids.insert(d.id);
    CHECK(delivered.size() == events.size());  // once each
    CHECK(ids.size() == events.size());
    CHECK(redis.command({"ZCARD", keys::webhook_state(only_shard("toyland"), "due", endpoint.id)})
              .integer == 0);
}

TEST_CASE(
    "webhooks: a fence raised between a call and its outcome — nothing recorded, the same "
    "id delivered again after it") {
    TestRedis server;
    auto redis = server.connect();
    auto other = server.connect();  // the reshard's, used on the receiver's thread
    const Config config = webhook_config();
    FixedClock clock{at("2027-09-15T10:00:00+08:00")};
    WebhookStore hooks(redis);
    const int port = free_port();
    const auto endpoint = toyland_hook(hooks, port, clock.now());
    JobStore jobs(redis, config.scheduler);
    sent_and_delivered(jobs, "M1", 1, clock.now());
    const auto events = stream(redis, "toyland");
    REQUIRE(events.size() == 2);
    Receiver receiver(port, endpoint.secret);
    WebhookDispatcher dispatcher(
        config, server.endpoint(), clock, [](const std::string&) { return true; }, nullptr,
        two_second_calls());
    const std::string fence = "hu:{toyland}:frozen";
    std::map<std::string, std::string> at_fence;  // the store when the fence went up

    SECTION("raised while the receiver answers: the settle reads it") {
        receiver.set_before_answer([&] {
            other.command({"SET", fence, "copy"}).expect_ok("SET fence");
            at_fence = dump_store(other, "toyland");
        });
        CHECK(dispatcher.run_round() == 1);
        receiver.set_before_answer(nullptr);
    }
    SECTION("raised after the settle's read: its EXEC is aborted") {
        int reads = 0;
        dispatcher.set_after_read_for_test([&] {
            if (++reads != 2) return;  // the intake's, then the settle's
            other.command({"SET", fence, "copy"}).expect_ok("SET fence");
            at_fence = dump_store(other, "toyland");
        });
        CHECK(dispatcher.run_round() == 1);
        CHECK(reads == 2);
        dispatcher.set_after_read_for_test(nullptr);
    }
    REQUIRE(receiver.delivered().size() == 1);
    REQUIRE_FALSE(at_fence.empty());
    CHECK(dump_store(redis, "toyland") == at_fence);  // the outcome not recorded
    CHECK(hooks.log("toyland", endpoint.id, 10).empty());
    clock.advance(1h);
    CHECK(dispatcher.run_round() == 0);  // not called while the copy runs
    CHECK(dump_store(redis, "toyland") == at_fence);

    redis.command({"DEL", fence}).expect_ok("DEL fence");
    for (int round = 0; round < 10 && receiver.delivered().size() < 3; ++round) {
        clock.advance(1h);
        dispatcher.run_round();
    }
    const auto delivered = receiver.delivered();
    REQUIRE(delivered.size() == 3);
    CHECK(delivered[0].id == std::get<0>(events[0]));
    CHECK(delivered[1].id == delivered[0].id);  // at least once: the receiver deduplicates
    CHECK(delivered[1].signed_ok);
    CHECK(delivered[2].id == std::get<0>(events[1]));
    const auto log = hooks.log("toyland", endpoint.id, 10);  // newest first
    REQUIRE(log.size() == 2);
    CHECK(log[1].event_id == delivered[0].id);
    CHECK(log[1].result == "delivered");
    CHECK(log[1].attempt == 1);
    CHECK(redis.command({"ZCARD", keys::webhook_state(only_shard("toyland"), "due", endpoint.id)})
              .integer == 0);
    CHECK(redis.command({"HLEN", keys::webhook_state(only_shard("toyland"), "q", endpoint.id)})
              .integer == 0);
}

TEST_CASE(
    "webhooks: a fence raised after the intake's read aborts it — the events are taken in "
    "once lifted") {
    TestRedis server;
    auto redis = server.connect();
    auto other = server.connect();
    const Config config = webhook_config();
    FixedClock clock{at("2027-09-15T10:00:00+08:00")};
    WebhookStore hooks(redis);
    const int port = free_port();
    const auto endpoint = toyland_hook(hooks, port, clock.now());
    JobStore jobs(redis, config.scheduler);
    for (int m = 0; m < 3; ++m)
        sent_and_delivered(jobs, "M" + std::to_string(m), 1, clock.now());
    Receiver receiver(port, endpoint.secret);
    WebhookDispatcher dispatcher(
        config, server.endpoint(), clock, [](const std::string&) { return true; }, nullptr,
        two_second_calls());
    const std::string fence = "hu:{toyland}:frozen";
    std::map<std::string, std::string> at_fence;
    dispatcher.set_after_read_for_test([&] {
        if (!at_fence.empty()) return;
        other.command({"SET", fence, "copy"}).expect_ok("SET fence");
        at_fence = dump_store(other, "toyland");
    });
    CHECK(dispatcher.run_round() == 0);
    dispatcher.set_after_read_for_test(nullptr);
    REQUIRE_FALSE(at_fence.empty());
    CHECK(dump_store(redis, "toyland") == at_fence);
    CHECK(receiver.calls().empty());

    redis.command({"DEL", fence}).expect_ok("DEL fence");
    for (int round = 0; round < 10 && receiver.delivered().size() < 6; ++round) {
        clock.advance(1h);
        dispatcher.run_round();
    }
    std::set<std::string> ids;
    for (const auto& d : receiver.delivered())
        ids.insert(d.id);
    CHECK(receiver.delivered().size() == 6);
    CHECK(ids.size() == 6);
}

namespace {

// Toyland over three shards, shard 1 fenced for a copy: the others'
// events go out, shard 1's keys stay byte for byte; lifted, every event
// once.
void one_shard_of_three_fenced(const RedisEndpoint& server) {
    RedisConnection redis(server);
    const Config config = webhook_config();
    redis.command({"HSET", keys::shard_record("toyland"), "k", "3", "hash", "1"});
    FixedClock clock{at("2027-09-15T10:00:00+08:00")};
    WebhookStore hooks(redis);
    const int port = free_port();
    const auto endpoint = toyland_hook(hooks, port, clock.now());
    JobStore jobs(redis, config.scheduler);
    std::size_t frozen_events = 0;
    for (int m = 0; m < 9; ++m) {
        const std::string member = "M" + std::to_string(m);
        sent_and_delivered(jobs, member, 1, clock.now());
        if (member_shard(member, 3) == 1) frozen_events += 2;
    }
    REQUIRE(frozen_events > 0);
    REQUIRE(frozen_events < 18);
    const std::string tag = shard_tag("toyland", 3, 1);
    redis.command({"SET", "hu:{" + tag + "}:frozen", "copy"}).expect_ok("SET fence");
    const auto before = dump_store(redis, tag);
    Receiver receiver(port, endpoint.secret);
    WebhookDispatcher dispatcher(
        config, server, clock, [](const std::string&) { return true; }, nullptr,
        two_second_calls());
    for (int round = 0; round < 10; ++round) {
        clock.advance(1h);
        dispatcher.run_round();
    }
    CHECK(receiver.delivered().size() == 18 - frozen_events);
    for (const auto& d : receiver.delivered())
        CHECK_FALSE(d.id.starts_with(tag + ":"));
    CHECK(dump_store(redis, tag) == before);

    redis.command({"DEL", "hu:{" + tag + "}:frozen"}).expect_ok("DEL fence");
    for (int round = 0; round < 10 && receiver.delivered().size() < 18; ++round) {
        clock.advance(1h);
        dispatcher.run_round();
    }
    std::set<std::string> ids;
    for (const auto& d : receiver.delivered())
        ids.insert(d.id);
    CHECK(receiver.delivered().size() == 18);
    CHECK(ids.size() == 18);
}

}  // namespace

TEST_CASE("webhooks of a store over three shards: one shard's copy fence stops only that shard") {
    TestRedis server;
    one_shard_of_three_fenced(server.endpoint());
}

TEST_CASE(
    "webhooks of a store over three shards on three masters: one shard's fence stops only "
    "it") {
    // Each shard on its own master: the WATCH, the fence's GET, UNWATCH and
    // the transaction go to the shard's master (io/redis_cluster.h).
    TestCluster cluster;
    std::set<std::size_t> used;
    for (const auto& shard : all_shards("toyland", 3)) {
        const int slot = key_slot("{" + shard.tag() + "}");
        if (used.insert(cluster.master_of(slot)).second) continue;
        for (const auto m : cluster.masters())
            if (!used.contains(m)) {
                cluster.move_slot(slot, m);
                used.insert(m);
                break;
            }
    }
    REQUIRE(used.size() == 3);
    one_shard_of_three_fenced(cluster.endpoint());
}
