// The worker between the socket and a (fake) provider, on a real Redis: it
// waits for the shared account rate instead of dropping or spinning, defers a
// capped recipient to the next window, backs off transient failures with
// jitter, stops its channel on an account problem, records lost consent,
// cancels opted-out jobs, and never resends a job that may have gone.
#include <catch2/catch.hpp>

#include <functional>

#include "io/consent_store.h"
#include "io/receipt_index.h"
#include "io/redis_keys.h"
#include "io/zmq_frames.h"
#include "tests/support/test_redis.h"
#include "workers/worker.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

struct FakeSender final : Sender {
    std::vector<JobMessage> sent;
    std::function<SendResult(const JobMessage&)> answer = [](const JobMessage& j) {
        return SendResult{Outcome::sent, "ref-" + j.job_id, {}, std::nullopt};
    };
    Verification verdict{Verification::Verdict::unknown, {}, "fake"};
    int verifies = 0;

    std::string_view name() const override { return "fake"; }
    SendResult send(const JobMessage& job, SysSeconds) override {
        sent.push_back(job);
        return answer(job);
    }
    Verification verify(const JobMessage&, SysSeconds, SysSeconds) override {
        ++verifies;
        return verdict;
    }
};

struct Rig {
    TestRedis server;
    Config config;
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    zmq::context_t zmq;
    zmq::socket_t jobs_out{zmq, zmq::socket_type::push};
    zmq::socket_t results_in{zmq, zmq::socket_type::pull};
    RedisConnection redis = server.connect();
    RedisConnection worker_redis = server.connect();
    JobStore jobs{redis, config.scheduler};
    FakeSender sender;
    std::unique_ptr<Worker> worker;
    int next_member = 0;

    explicit Rig(const std::string& sms_toml)
        : config(parse_config("[stores.toyland]\nname = \"童乐玩具\"\n[sms]\n" + sms_toml,
                              "worker.toml")) {
        // TCP on loopback, as the programs run: a worker that closes its job
        // socket (a pause) and connects again is seen to leave (an inproc
        // pipe of a closed socket can swallow the next push).
        jobs_out.set(zmq::sockopt::immediate, true);
        jobs_out.bind("tcp://127.0.0.1:*");
        results_in.bind("inproc://results");
        worker = std::make_unique<Worker>(Channel::sms, config, sender, worker_redis, zmq, clock,
                                          "test-worker", jobs_out.get(zmq::sockopt::last_endpoint),
                                          "inproc://results");
    }

    // Creates, claims and pushes a job to `to`; returns its id.
    std::string dispatch(const std::string& to = "+8613800138000") {
        create(to);
        const auto pushed = push_due();
        REQUIRE(pushed.size() == 1);
        return pushed.front();
    }

    // Creates a job to `to`, due now; returns its id.
    std::string create(const std::string& to = "+8613800138000") {
        Job j;
        j.store = "toyland";
        j.kind = Kind::birthday;
        j.member_id = "M" + std::to_string(++next_member);
        j.occasion_date = *parse_date("2027-09-15");
        j.id = make_job_id(j.kind, j.member_id, j.occasion_date);
        j.channel = Channel::sms;
        j.to = to;
        j.text = "生日快乐";
        j.due_at = clock.now();
        j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
        jobs.create({j});
        return j.id;
    }

    // Claims every due job and pushes it; the ids pushed. A worker that just
    // connected (after a pause) may not be attached yet: each push waits up
    // to `wait` for one; a job nobody takes is handed back, as the scheduler
    // does.
    std::vector<std::string> push_due(std::chrono::milliseconds wait = 10s) {
        std::vector<std::string> ids;
        for (const auto& j : jobs.claim_due("toyland", clock.now(), 100).jobs) {
            const auto frames =
                encode(JobMessage{j.store, j.id, j.member_id, j.kind, j.channel, j.to, j.text,
                                  j.params, j.attempts, j.expires_at});
            if (eventually([&] { return send_frames(jobs_out, frames); }, wait)) {
                ids.push_back(j.id);
            } else {
                jobs.hand_back(j.store, j.id, clock.now());
            }
        }
        return ids;
    }

    JobState state(const std::string& id) { return jobs.get("toyland", id)->state; }
    std::size_t handled() {
        const auto& s = worker->stats();
        return s.received;
    }
    bool handle(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        return eventually(
            [&] {
                worker->poll(10ms);
                return handled() >= n;
            },
            timeout);
    }
    // handle(n), and when a push was lost — in the pipe of a job socket the
    // worker closed for a pause — the job comes back after the ack timeout,
    // as the scheduler would send it again.
    bool deliver(std::size_t n) {
        for (int tries = 0; tries < 3; ++tries) {
            if (handle(n, 2s)) return true;
            clock.advance(config.scheduler.ack_timeout + 1s);
            jobs.requeue_overdue("toyland", clock.now(), 100);
            push_due();
        }
        return false;
    }
    double due_score(const std::string& id) {
        return std::stod(redis.command({"ZSCORE", keys::due(only_shard("toyland")), id}).str);
    }
};

}  // namespace

TEST_CASE("the account rate: the worker waits, it neither drops nor spins") {
    Rig rig("rate_per_second = 20\nrate_burst = 0\n");
    for (int i = 0; i < 8; ++i)
        rig.dispatch("+861380013800" + std::to_string(i));
    REQUIRE(rig.handle(8));
    CHECK(rig.sender.sent.size() == 8);
    CHECK(rig.worker->stats().throttled > 0);
    CHECK(rig.worker->stats().retried == 0);
    CHECK(rig.jobs.counts("toyland").at("sent") == 8);
}

TEST_CASE("the account wait is bounded: past rate_max_wait_ms the job goes back, not sent") {
    Rig rig("rate_per_second = 1\nrate_burst = 0\nrate_max_wait_ms = 50\n");
    const auto first = rig.dispatch();
    const auto second = rig.dispatch("+8613900139000");
    REQUIRE(rig.handle(2));
    CHECK(rig.sender.sent.size() == 1);
    CHECK(rig.state(first) == JobState::sent);
    CHECK(rig.state(second) == JobState::planned);
    CHECK(rig.jobs.get("toyland", second)->error == "account rate limit");
    CHECK(rig.due_score(second) >=
          static_cast<double>((rig.clock.now() + 1s).time_since_epoch().count()));
}

TEST_CASE("a recipient over a cap is tried in the next window") {
    Rig rig("recipient_per_day = 1\n");
    const auto first = rig.dispatch();
    const auto second = rig.dispatch();  // same number
    const auto other = rig.dispatch("+8613900139000");
    REQUIRE(rig.handle(3));
    CHECK(rig.state(first) == JobState::sent);
    CHECK(rig.state(other) == JobState::sent);
    CHECK(rig.state(second) == JobState::planned);
    CHECK(rig.jobs.get("toyland", second)->error == "recipient limit per recipient per day");
    const double now = static_cast<double>(rig.clock.now().time_since_epoch().count());
    CHECK(rig.due_score(second) >= now + 86390);
    CHECK(rig.due_score(second) <= now + 86400);
    CHECK(rig.worker->stats().capped == 1);
}

TEST_CASE("a transient failure comes back after a jittered exponential backoff") {
    Rig rig("backoff_base_seconds = 40\nbackoff_cap_seconds = 600\n");
    rig.sender.answer = [](const JobMessage&) {
        return SendResult{Outcome::retry, {}, "HTTP 503", std::nullopt};
    };
    const auto id = rig.dispatch();
    REQUIRE(rig.handle(1));
    CHECK(rig.state(id) == JobState::planned);
    CHECK(rig.jobs.get("toyland", id)->error == "HTTP 503");
    const double now = static_cast<double>(rig.clock.now().time_since_epoch().count());
    CHECK(rig.due_score(id) >= now + 20);  // attempt 1: [base/2, base]
    CHECK(rig.due_score(id) <= now + 40);
}

TEST_CASE("an account problem stops the channel in this worker") {
    Rig rig("account_pause_seconds = 900\n");
    rig.sender.answer = [](const JobMessage&) {
        return SendResult{Outcome::account_problem, {}, "isv.AMOUNT_NOT_ENOUGH", std::nullopt};
    };
    const auto id = rig.dispatch();
    REQUIRE(rig.handle(1));
    CHECK(rig.worker->paused_until() == rig.clock.now() + 900s);
    CHECK(rig.state(id) == JobState::planned);
    CHECK(rig.due_score(id) ==
          static_cast<double>((rig.clock.now() + 900s).time_since_epoch().count()));
    // Jobs pushed now are not taken while paused: its job socket is closed,
    // so the push finds nobody and the job stays due.
    rig.create("+8613900139000");
    for (int i = 0; i < 5; ++i)
        rig.worker->poll(10ms);
    CHECK(rig.push_due(300ms).empty());
    for (int i = 0; i < 5; ++i)
        rig.worker->poll(10ms);
    CHECK(rig.sender.sent.size() == 1);
    // After the pause it takes jobs again.
    rig.clock.advance(901s);
    rig.sender.answer = [](const JobMessage& j) {
        return SendResult{Outcome::sent, j.job_id, {}, std::nullopt};
    };
    rig.worker->poll(10ms);
    CHECK_FALSE(rig.worker->paused_until());
    // Both go now: the one the pause handed back and the one that waited.
    CHECK(rig.push_due().size() == 2);
    REQUIRE(rig.handle(3));
    CHECK(rig.sender.sent.size() == 3);
    CHECK(rig.state(id) == JobState::sent);
}

TEST_CASE("a batch: jobs that arrived together are claimed and recorded together") {
    Rig rig("account_pause_seconds = 900\n");
    std::vector<std::string> ids;
    for (const char* to : {"+8613800138000", "+8613900139000", "+8613700137000"}) {
        Job j;
        j.store = "toyland";
        j.kind = Kind::birthday;
        j.member_id = std::string("B") + to;
        j.occasion_date = *parse_date("2027-09-15");
        j.id = make_job_id(j.kind, j.member_id, j.occasion_date);
        j.channel = Channel::sms;
        j.to = to;
        j.text = "生日快乐";
        j.due_at = rig.clock.now();
        j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
        rig.jobs.create({j});
    }
    ids = rig.push_due();
    REQUIRE(ids.size() == 3);
    SECTION("all sent, all recorded") {
        REQUIRE(rig.handle(3));
        CHECK(rig.sender.sent.size() == 3);
        for (const auto& id : ids)
            CHECK(rig.state(id) == JobState::sent);
    }
    SECTION("an account problem on the first hands the others back unsent") {
        rig.sender.answer = [](const JobMessage&) {
            return SendResult{Outcome::account_problem, {}, "isv.AMOUNT_NOT_ENOUGH", std::nullopt};
        };
        REQUIRE(rig.handle(3));
        CHECK(rig.sender.sent.size() == 1);
        const double until =
            static_cast<double>((rig.clock.now() + 900s).time_since_epoch().count());
        for (const auto& id : ids) {
            CHECK(rig.state(id) == JobState::planned);
            CHECK(rig.due_score(id) == until);
        }
    }
}

TEST_CASE("consent: lost at the provider is recorded, an opted-out job is cancelled unsent") {
    Rig rig("");
    ConsentStore consent(rig.redis, rig.config);
    rig.sender.answer = [](const JobMessage&) {
        return SendResult{
            Outcome::consent_lost, {}, "FailedOperation.PhoneNumberInBlacklist", std::nullopt};
    };
    const auto first = rig.dispatch();
    REQUIRE(rig.handle(1));
    CHECK(rig.state(first) == JobState::failed);
    CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138000"));
    CHECK(consent.ledger("toyland").front().source == ConsentSource::provider);

    const auto second = rig.dispatch();
    REQUIRE(rig.handle(2));
    CHECK(rig.state(second) == JobState::cancelled);
    CHECK(rig.sender.sent.size() == 1);
    CHECK(rig.worker->stats().cancelled == 1);
}

TEST_CASE("a send that may have gone is verified before the next attempt, never resent blindly") {
    Rig rig("");
    rig.sender.answer = [](const JobMessage&) {
        return SendResult{Outcome::retry, {}, "timed out", std::nullopt, true};
    };
    const auto id = rig.dispatch();
    REQUIRE(rig.handle(1));
    CHECK(rig.state(id) == JobState::planned);
    rig.sender.answer = [](const JobMessage& j) {
        return SendResult{Outcome::sent, j.job_id, {}, std::nullopt};
    };

    SECTION("the provider cannot tell: unknown, not sent again") {
        rig.clock.advance(3600s);
        rig.push_due();
        REQUIRE(rig.handle(2));
        CHECK(rig.sender.verifies == 1);
        CHECK(rig.sender.sent.size() == 1);
        CHECK(rig.state(id) == JobState::unknown);
    }
    SECTION("the provider has it: sent, not sent again") {
        rig.sender.verdict = {Verification::Verdict::sent, "BIZ-1", "found"};
        rig.clock.advance(3600s);
        rig.push_due();
        REQUIRE(rig.handle(2));
        CHECK(rig.sender.sent.size() == 1);
        CHECK(rig.state(id) == JobState::sent);
    }
    SECTION("the provider does not have it: sent now") {
        rig.sender.verdict = {Verification::Verdict::not_sent, {}, "not found"};
        rig.clock.advance(3600s);
        rig.push_due();
        REQUIRE(rig.handle(2));
        CHECK(rig.sender.sent.size() == 2);
        CHECK(rig.state(id) == JobState::sent);
    }
}

TEST_CASE("only a provider call is an attempt: deferrals and account problems never fail a job") {
    SECTION("an account problem, again and again, until the account is fixed") {
        Rig rig("account_pause_seconds = 60\n");
        rig.sender.answer = [](const JobMessage&) {
            return SendResult{Outcome::account_problem, {}, "isv.AMOUNT_NOT_ENOUGH", std::nullopt};
        };
        const auto id = rig.dispatch();
        const int rounds = rig.config.scheduler.max_attempts + 3;
        for (int round = 1; round <= rounds; ++round) {
            INFO("round " << round);
            REQUIRE(rig.deliver(static_cast<std::size_t>(round)));
            REQUIRE(rig.state(id) == JobState::planned);
            rig.clock.advance(61s);
            rig.worker->poll(10ms);  // the pause ends
            REQUIRE(rig.push_due().size() == 1);
        }
        rig.sender.answer = [](const JobMessage& j) {
            return SendResult{Outcome::sent, j.job_id, {}, std::nullopt};
        };
        REQUIRE(rig.deliver(static_cast<std::size_t>(rounds + 1)));
        CHECK(rig.state(id) == JobState::sent);
        CHECK(rig.worker->stats().failed == 0);
    }
    SECTION("a provider that cannot be asked yet, again and again, keeps the doubt") {
        Rig rig("\n[store_defaults.policy]\nsend_windows = [\"00:00-24:00\"]\n");
        rig.sender.answer = [](const JobMessage&) {
            return SendResult{Outcome::retry, {}, "timed out", std::nullopt, true};
        };
        const auto id = rig.dispatch();
        REQUIRE(rig.handle(1));
        rig.sender.verdict = {Verification::Verdict::try_later, {}, "query API down"};
        const int rounds = rig.config.scheduler.max_attempts + 3;
        for (int round = 1; round <= rounds; ++round) {
            INFO("round " << round);
            rig.clock.advance(1801s);  // past the longest backoff
            REQUIRE(rig.push_due().size() == 1);
            REQUIRE(rig.handle(static_cast<std::size_t>(round + 1)));
            REQUIRE(rig.state(id) == JobState::planned);
        }
        rig.sender.verdict = {Verification::Verdict::sent, "BIZ-1", "found"};
        rig.clock.advance(1801s);
        REQUIRE(rig.push_due().size() == 1);
        REQUIRE(rig.handle(static_cast<std::size_t>(rounds + 2)));
        CHECK(rig.state(id) == JobState::sent);
        CHECK(rig.sender.sent.size() == 1);
        CHECK(rig.sender.verifies == rounds + 1);
    }
}

TEST_CASE("a deferral keeps an earlier attempt's doubt: the next attempt still verifies") {
    // Open 09:00-12:00 and 14:00-20:00: a retry due at 12:30 waits for 14:00.
    Rig rig("\n[store_defaults.policy]\nsend_windows = [\"09:00-12:00\", \"14:00-20:00\"]\n");
    rig.sender.answer = [](const JobMessage&) {
        return SendResult{Outcome::retry, {}, "timed out", std::nullopt, true};
    };
    const auto id = rig.dispatch();
    REQUIRE(rig.handle(1));
    REQUIRE(rig.state(id) == JobState::planned);
    rig.sender.answer = [](const JobMessage& j) {
        return SendResult{Outcome::sent, j.job_id, {}, std::nullopt};
    };
    rig.clock.set(*parse_instant("2027-09-15T12:30:00+08:00"));
    REQUIRE(rig.push_due().size() == 1);
    REQUIRE(rig.handle(2));
    CHECK(rig.worker->stats().outside_window == 1);
    CHECK(rig.sender.verifies == 0);
    rig.clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
    REQUIRE(rig.push_due().size() == 1);
    REQUIRE(rig.handle(3));
    // The provider cannot say whether the 10:00 attempt went: never sent again.
    CHECK(rig.sender.verifies == 1);
    CHECK(rig.sender.sent.size() == 1);
    CHECK(rig.state(id) == JobState::unknown);
}

TEST_CASE("Redis refusing a job's request fails that job, not the batch, and is no outage") {
    Rig rig("");
    const auto good = rig.dispatch();
    const auto bad = rig.dispatch("+8613900139000");
    const auto also_good = rig.dispatch("+8613700137000");
    // Damage the middle job, pushed already: its hash replaced by a string
    // (WRONGTYPE for every script that reads it).
    rig.redis.command({"DEL", keys::job(only_shard("toyland"), bad)});
    rig.redis.command({"SET", keys::job(only_shard("toyland"), bad), "not a hash"});
    REQUIRE(rig.handle(3));
    CHECK(rig.state(good) == JobState::sent);
    CHECK(rig.state(also_good) == JobState::sent);
    CHECK(rig.sender.sent.size() == 2);
    CHECK(rig.worker->stats().failed == 1);
    // No outage: the worker's connection was never dropped.
    CHECK(rig.worker_redis.reconnects() == 0);
}

TEST_CASE("a job sent is noted for its receipt when the provider's receipts need it",
          "[receipts]") {
    SECTION("Tencent, pushed: its SerialNo names the job, for 72 hours") {
        Rig rig(R"(provider = "tencent"
[sms.tencent]
sdk_app_id = "1400006666"
secret_id = "id"
receipts = "push"
)");
        ReceiptIndex index(rig.worker_redis, rig.config.sms);
        rig.worker->set_receipt_index(&index);
        const auto id = rig.dispatch();
        REQUIRE(rig.handle(1));
        REQUIRE(rig.state(id) == JobState::sent);
        const std::string key = "hu:rcpt:{tencent:1400006666}:sid:ref-" + id;
        CHECK(rig.redis.command({"GET", key}).str == "toyland/" + id);
        CHECK(rig.redis.command({"TTL", key}).integer > 71 * 3600);
    }
    SECTION("Aliyun, polled: the store's index, first asked a minute after") {
        Rig rig(R"(provider = "aliyun"
[sms.aliyun]
access_key_id = "id"
receipts = "poll"
)");
        ReceiptIndex index(rig.worker_redis, rig.config.sms);
        rig.worker->set_receipt_index(&index);
        const auto id = rig.dispatch();
        REQUIRE(rig.handle(1));
        REQUIRE(rig.state(id) == JobState::sent);
        CHECK(rig.redis.command({"ZSCORE", "hu:{toyland}:rcpt", id}).str ==
              std::to_string((rig.clock.now() + 60s).time_since_epoch().count()));
    }
    SECTION("receipts off: nothing is noted") {
        Rig rig("provider = \"aliyun\"\n[sms.aliyun]\naccess_key_id = \"id\"\n");
        ReceiptIndex index(rig.worker_redis, rig.config.sms);
        CHECK_FALSE(index.needed());
        rig.worker->set_receipt_index(&index);
        const auto id = rig.dispatch();
        REQUIRE(rig.handle(1));
        REQUIRE(rig.state(id) == JobState::sent);
        CHECK(rig.redis.command({"EXISTS", "hu:{toyland}:rcpt"}).integer == 0);
    }
}
