#include <catch2/catch.hpp>

#include "io/job_store.h"
#include "io/redis_keys.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {
SysSeconds at(const char* text) {
    return *parse_instant(text);
}

Job birthday_job(const std::string& member) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::birthday;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.channel = Channel::sms;
    j.to = "+8613800138000";
    j.text = "生日快乐";
    j.due_at = at("2027-09-15T10:00:00+08:00");
    j.expires_at = at("2027-09-16T00:00:00+08:00");
    j.created_at = at("2027-09-15T00:00:00+08:00");
    return j;
}

ResultMessage result(const Job& j, Outcome o, SysSeconds when) {
    ResultMessage r;
    r.store = j.store;
    r.job_id = j.id;
    r.outcome = o;
    r.provider = "outbox";
    r.at = when;
    return r;
}
}  // namespace

TEST_CASE("job transitions in Redis") {
    TestRedis server;
    auto redis = server.connect();
    SchedulerConfig cfg;
    cfg.ack_timeout = 300s;
    cfg.max_attempts = 3;
    JobStore jobs(redis, cfg);
    const Job job = birthday_job("M1");

    SECTION("creation is idempotent") {
        CHECK(jobs.create({job, birthday_job("M2")}) == 2);
        CHECK(jobs.create({job}) == 0);
        CHECK(jobs.counts("toyland").at("planned") == 2);
        CHECK(jobs.get("toyland", job.id)->state == JobState::planned);
    }

    jobs.create({job});

    SECTION("nothing is claimed before it is due") {
        CHECK(jobs.claim_due("toyland", at("2027-09-15T09:59:59+08:00"), 10).jobs.empty());
        CHECK(jobs.next_due("toyland") == job.due_at);
    }

    SECTION("a claimed job is dispatched once, sent, and stays sent") {
        auto claim = jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        REQUIRE(claim.jobs.size() == 1);
        CHECK(claim.jobs[0].attempts == 1);
        CHECK(claim.jobs[0].text == "生日快乐");
        CHECK(jobs.claim_due("toyland", at("2027-09-15T11:00:00+08:00"), 10).jobs.empty());
        const SysSeconds t = at("2027-09-15T10:00:01+08:00");
        CHECK(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        CHECK(jobs.begin_send("toyland", job.id, 1, "w2", t) == BeginSend::held_elsewhere);
        // The same worker asking again lost its first reply (an outage): the claim stands.
        CHECK(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        CHECK(jobs.record(result(job, Outcome::sent, t)) == JobState::sent);
        // The worker and the scheduler both record: the second is a no-op.
        CHECK(jobs.record(result(job, Outcome::sent, t)) == JobState::sent);
        CHECK(jobs.record(result(job, Outcome::failed, t)) == JobState::sent);
        CHECK(jobs.begin_send("toyland", job.id, 1, "w3", t) == BeginSend::already_finished);
        const auto counts = jobs.counts("toyland");
        CHECK(counts.at("sent") == 1);
        CHECK(counts.at("dispatched") == 0);
        CHECK(counts.at("planned") == 0);
        CHECK(redis.command({"TTL", keys::job("toyland", job.id)}).integer > 0);
    }

    SECTION("a job never pushed is released without counting an attempt") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        CHECK(jobs.release("toyland", job.id, at("2027-09-15T10:01:00+08:00")));
        CHECK(jobs.get("toyland", job.id)->attempts == 0);
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:00:30+08:00"), 10).jobs.empty());
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:01:00+08:00"), 10).jobs.size() == 1);
    }

    SECTION("no result by the deadline: dispatched again, and the old copy is refused") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        auto r = jobs.requeue_expired("toyland", at("2027-09-15T10:04:59+08:00"), 10);
        CHECK(r.requeued == 0);
        r = jobs.requeue_expired("toyland", at("2027-09-15T10:05:00+08:00"), 10);
        CHECK(r.requeued == 1);
        const auto again = jobs.claim_due("toyland", at("2027-09-15T10:05:00+08:00"), 10);
        REQUIRE(again.jobs.size() == 1);
        CHECK(again.jobs[0].attempts == 2);
        CHECK(jobs.begin_send("toyland", job.id, 1, "late", at("2027-09-15T10:05:01+08:00")) ==
              BeginSend::stale);
        CHECK(jobs.begin_send("toyland", job.id, 2, "w", at("2027-09-15T10:05:01+08:00")) ==
              BeginSend::ok);
    }

    SECTION("a worker that began sending and went silent leaves the job unknown, never resent") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        CHECK(jobs.begin_send("toyland", job.id, 1, "w1", at("2027-09-15T10:00:01+08:00")) ==
              BeginSend::ok);
        const auto r = jobs.requeue_expired("toyland", at("2027-09-15T10:06:00+08:00"), 10);
        CHECK(r.unknown == 1);
        CHECK(jobs.get("toyland", job.id)->state == JobState::unknown);
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:07:00+08:00"), 10).jobs.empty());
        SECTION("a late result settles it") {
            CHECK(jobs.record(result(job, Outcome::sent, at("2027-09-15T10:08:00+08:00"))) ==
                  JobState::sent);
            CHECK(jobs.counts("toyland").at("unknown") == 0);
        }
    }

    SECTION("a retry goes back to the due set until attempts run out") {
        for (int attempt = 1; attempt <= 3; ++attempt) {
            const SysSeconds now = at("2027-09-15T10:00:00+08:00") + std::chrono::minutes(attempt);
            const auto claim = jobs.claim_due("toyland", now, 10);
            REQUIRE(claim.jobs.size() == 1);
            auto r = result(job, Outcome::retry, now);
            r.retry_at = now + 30s;
            r.error = "throttled";
            const auto state = jobs.record(r);
            CHECK(state == (attempt < 3 ? JobState::planned : JobState::failed));
        }
        CHECK(jobs.get("toyland", job.id)->error == "throttled");
    }

    SECTION("a greeting past its day expires instead of going late") {
        const auto claim = jobs.claim_due("toyland", at("2027-09-16T00:00:00+08:00"), 10);
        CHECK(claim.jobs.empty());
        CHECK(claim.expired == 1);
        CHECK(jobs.get("toyland", job.id)->state == JobState::expired);
    }

    SECTION("scripts are loaded again after SCRIPT FLUSH") {
        jobs.claim_due("toyland", at("2027-09-15T09:00:00+08:00"), 10);
        redis.command({"SCRIPT", "FLUSH"}).expect_ok("flush");
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10).jobs.size() == 1);
        redis.command({"SCRIPT", "FLUSH"}).expect_ok("flush");
        CHECK(jobs.create({birthday_job("M3"), birthday_job("M4")}) == 2);
    }
}

TEST_CASE("a stopping worker hands back only the dispatch it holds") {
    TestRedis server;
    auto redis = server.connect();
    SchedulerConfig cfg;
    JobStore jobs(redis, cfg);
    const Job job = birthday_job("M1");
    jobs.create({job});
    const SysSeconds t = at("2027-09-15T10:00:01+08:00");
    REQUIRE(jobs.claim_due("toyland", t, 10).jobs.size() == 1);

    SECTION("a stale copy (dispatched again since) is not handed back") {
        CHECK_FALSE(jobs.hand_back("toyland", job.id, 2, "w1", t));
        CHECK(jobs.get("toyland", job.id)->state == JobState::dispatched);
    }
    SECTION("a job another worker began is not handed back") {
        REQUIRE(jobs.begin_send("toyland", job.id, 1, "w2", t) == BeginSend::ok);
        CHECK_FALSE(jobs.hand_back("toyland", job.id, 1, "w1", t));
        CHECK(jobs.get("toyland", job.id)->state == JobState::dispatched);
    }
    SECTION("its own queued job goes back, due now, and the attempt is not counted") {
        CHECK(jobs.hand_back("toyland", job.id, 1, "w1", t));
        CHECK(jobs.get("toyland", job.id)->state == JobState::planned);
        CHECK(jobs.counts("toyland").at("planned") == 1);
        const auto again = jobs.claim_due("toyland", t, 10);
        REQUIRE(again.jobs.size() == 1);
        CHECK(again.jobs[0].attempts == 1);
    }
    SECTION("its own claim whose reply an outage lost goes back too") {
        REQUIRE(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        CHECK(jobs.hand_back("toyland", job.id, 1, "w1", t));
        CHECK(jobs.claim_due("toyland", t, 10).jobs.size() == 1);
        CHECK(jobs.begin_send("toyland", job.id, 1, "w2", t) == BeginSend::ok);
    }
}
