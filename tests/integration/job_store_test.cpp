#include <catch2/catch.hpp>

#include "io/job_store.h"
#include "io/redis_keys.h"
#include "tests/support/test_jobs.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {
JobMessage message(const Job& j, int attempt) {
    return {j.store, j.id, j.member_id, j.kind, j.channel, j.to, j.text, {}, attempt, j.expires_at};
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
        // The same worker asking again lost its first reply (an outage): its begin stands.
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
        CHECK(redis.command({"TTL", keys::job(only_shard("toyland"), job.id)}).integer > 0);
    }

    SECTION("a declined result changes nothing: the copy that said no was not the one in flight") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        const SysSeconds t = at("2027-09-15T10:00:01+08:00");
        CHECK(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        CHECK(jobs.record(result(job, Outcome::declined, t)) == JobState::dispatched);
        CHECK(jobs.count_in_flight("toyland") == 1);
        CHECK(jobs.count_due("toyland", at("2027-09-16T00:00:00+08:00")) == 0);
        CHECK(jobs.record(result(job, Outcome::sent, t)) == JobState::sent);
    }

    SECTION("a job never pushed is handed back without counting an attempt") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        CHECK(jobs.hand_back("toyland", job.id, at("2027-09-15T10:01:00+08:00")));
        CHECK(jobs.get("toyland", job.id)->attempts == 0);
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:00:30+08:00"), 10).jobs.empty());
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:01:00+08:00"), 10).jobs.size() == 1);
    }

    SECTION("no result by the deadline (overdue): dispatched again, and the old copy is declined") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        auto r = jobs.requeue_overdue("toyland", at("2027-09-15T10:04:59+08:00"), 10);
        CHECK(r.requeued == 0);
        r = jobs.requeue_overdue("toyland", at("2027-09-15T10:05:00+08:00"), 10);
        CHECK(r.requeued == 1);
        // The scheduler stops waiting for it by these ids.
        CHECK(r.landed == std::vector<std::string>{job.id});
        const auto again = jobs.claim_due("toyland", at("2027-09-15T10:05:00+08:00"), 10);
        REQUIRE(again.jobs.size() == 1);
        CHECK(again.jobs[0].attempts == 2);
        CHECK(jobs.begin_send("toyland", job.id, 1, "late", at("2027-09-15T10:05:01+08:00")) ==
              BeginSend::stale);
        CHECK(jobs.begin_send("toyland", job.id, 2, "w", at("2027-09-15T10:05:01+08:00")) ==
              BeginSend::ok);
    }

    SECTION("a job begun in a batch but never called goes out again when its worker dies") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        CHECK(jobs.begin_send("toyland", job.id, 1, "w1", at("2027-09-15T10:00:01+08:00")) ==
              BeginSend::ok);
        const auto r = jobs.requeue_overdue("toyland", at("2027-09-15T10:06:00+08:00"), 10);
        CHECK(r.requeued == 1);
        CHECK(r.unknown == 0);
        const auto again = jobs.claim_due("toyland", at("2027-09-15T10:06:00+08:00"), 10);
        REQUIRE(again.jobs.size() == 1);
        CHECK(jobs.begin_send("toyland", job.id, 2, "w2", at("2027-09-15T10:06:01+08:00")) ==
              BeginSend::ok);
        // The dead worker's `sending` mark is gone with it.
        CHECK(jobs.mark_call(message(job, 1), "w1", at("2027-09-15T10:06:02+08:00")).detail ==
              "stale");
        CHECK(jobs.mark_call(message(job, 2), "w2", at("2027-09-15T10:06:02+08:00")).ok);
    }

    SECTION("a worker that called the provider and went silent leaves the job unknown") {
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        CHECK(jobs.begin_send("toyland", job.id, 1, "w1", at("2027-09-15T10:00:01+08:00")) ==
              BeginSend::ok);
        CHECK(jobs.mark_call(message(job, 1), "w1", at("2027-09-15T10:00:02+08:00")).ok);
        const auto r = jobs.requeue_overdue("toyland", at("2027-09-15T10:06:00+08:00"), 10);
        CHECK(r.unknown == 1);
        CHECK(r.landed == std::vector<std::string>{job.id});
        CHECK(jobs.get("toyland", job.id)->state == JobState::unknown);
        CHECK(jobs.claim_due("toyland", at("2027-09-15T10:07:00+08:00"), 10).jobs.empty());
        SECTION("a late result settles it") {
            CHECK(jobs.record(result(job, Outcome::sent, at("2027-09-15T10:08:00+08:00"))) ==
                  JobState::sent);
            CHECK(jobs.counts("toyland").at("unknown") == 0);
        }
    }

    SECTION("only the worker that began it marks a call, and a marked job is not handed back") {
        const SysSeconds t = at("2027-09-15T10:00:01+08:00");
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        CHECK(jobs.mark_call(message(job, 1), "w1", t).detail == "sending");  // not begun yet
        REQUIRE(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        CHECK(jobs.mark_call(message(job, 1), "w2", t).detail == "sending");
        CHECK(jobs.mark_call(message(job, 1), "w1", t).ok);
        CHECK_FALSE(jobs.hand_back("toyland", job.id, 1, "w1", t));
        CHECK(jobs.get("toyland", job.id)->state == JobState::dispatched);
    }

    SECTION("a claimed job that ended before its call is declined by the mark") {
        const SysSeconds t = at("2027-09-15T10:00:01+08:00");
        jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10);
        REQUIRE(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        redis.command({"HSET", keys::job(only_shard("toyland"), job.id), "state", "cancelled"});
        CHECK(jobs.mark_call(message(job, 1), "w1", t).detail == "state:cancelled");
    }

    SECTION("the mark notes the results before it: recorded with the batch, or from the note") {
        const Job other = birthday_job("M2");
        jobs.create({other});
        const SysSeconds t = at("2027-09-15T10:00:01+08:00");
        const std::string job_key = keys::job(only_shard("toyland"), job.id);
        REQUIRE(jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10).jobs.size() == 2);
        REQUIRE(jobs.begin_send("toyland", job.id, 1, "w1", t) == BeginSend::ok);
        REQUIRE(jobs.begin_send("toyland", other.id, 1, "w1", t) == BeginSend::ok);
        REQUIRE(jobs.mark_call(message(job, 1), "w1", t).ok);
        // NOSCRIPT: loaded again, run.
        redis.command({"SCRIPT", "FLUSH"}).expect_ok("flush");
        auto sent = result(job, Outcome::sent, t);
        sent.provider_ref = "ref-1";
        const auto mark = jobs.mark_call(message(other, 1), "w1", t, {{{sent, {}}, 1}});
        CHECK(mark.ok);
        CHECK(mark.noted == std::vector<bool>{true});
        // Noted, not recorded yet: the batch's record does that.
        CHECK(jobs.get("toyland", job.id)->state == JobState::dispatched);
        CHECK(redis.command({"HGET", job_key, "noted_for"}).str == "1");
        const SysSeconds overdue = t + std::chrono::minutes(6);

        SECTION("the batch's record settles it and takes the note away") {
            CHECK(jobs.record(sent) == JobState::sent);
            CHECK(redis.command({"HEXISTS", job_key, "noted"}).integer == 0);
            CHECK(redis.command({"HEXISTS", job_key, "noted_for"}).integer == 0);
        }
        SECTION("its worker died before the record: the note is the result") {
            const auto r = jobs.requeue_overdue("toyland", overdue, 10);
            // `other` was called and noted nothing: unknown. `job` stays in
            // flight until its note is recorded.
            CHECK(r.unknown == 1);
            CHECK(r.landed == std::vector<std::string>{other.id});
            REQUIRE(r.noted.size() == 1);
            CHECK(r.noted[0].result.job_id == job.id);
            CHECK(r.noted[0].result.outcome == Outcome::sent);
            CHECK(r.noted[0].result.at == t);
            CHECK(r.noted[0].result.provider_ref == "ref-1");
            CHECK_FALSE(r.noted[0].unsure_since);
            CHECK(jobs.get("toyland", job.id)->state == JobState::dispatched);
            // A scheduler that died here finds it again.
            CHECK(jobs.requeue_overdue("toyland", overdue, 10).noted.size() == 1);
            CHECK(jobs.record_many(r.noted).at(0) == JobState::sent);
            CHECK(redis.command({"HGET", job_key, "provider_ref"}).str == "ref-1");
            CHECK(jobs.count_in_flight("toyland") == 0);
            CHECK(jobs.counts("toyland").at("sent") == 1);
            CHECK(jobs.counts("toyland").at("unknown") == 1);
            CHECK(jobs.requeue_overdue("toyland", overdue, 10).noted.empty());
        }
        SECTION("a note of another dispatch, or a damaged one, is no result: unknown") {
            redis.command({"HSET", job_key, "noted_for", GENERATE(as<std::string>{}, "2", "")});
            const auto r = jobs.requeue_overdue("toyland", overdue, 10);
            CHECK(r.unknown == 2);
            CHECK(r.noted.empty());
        }
        SECTION("a damaged note is no result: unknown") {
            redis.command({"HSET", job_key, "noted", "[\"sent\""});
            const auto r = jobs.requeue_overdue("toyland", overdue, 10);
            CHECK(r.unknown == 2);
            CHECK(r.noted.empty());
            CHECK(jobs.get("toyland", job.id)->state == JobState::unknown);
        }
    }

    SECTION("a mark notes nothing on a job dispatched again or begun by another worker") {
        const Job other = birthday_job("M2");
        jobs.create({other});
        const SysSeconds t = at("2027-09-15T10:00:01+08:00");
        REQUIRE(jobs.claim_due("toyland", at("2027-09-15T10:00:00+08:00"), 10).jobs.size() == 2);
        REQUIRE(jobs.begin_send("toyland", job.id, 1, "w2", t) == BeginSend::ok);
        REQUIRE(jobs.begin_send("toyland", other.id, 1, "w1", t) == BeginSend::ok);
        const auto mark = jobs.mark_call(
            message(other, 1), "w1", t,
            {{{result(job, Outcome::sent, t), {}}, 1}, {{result(job, Outcome::sent, t), {}}, 2}});
        CHECK(mark.ok);
        CHECK(
            redis.command({"HEXISTS", keys::job(only_shard("toyland"), job.id), "noted"}).integer ==
            0);
    }

    SECTION("a retry goes back to the due set until attempts run out") {
        for (int attempt = 1; attempt <= 3; ++attempt) {
            const SysSeconds now = at("2027-09-15T10:00:00+08:00") + std::chrono::minutes(attempt);
            const auto claim = jobs.claim_due("toyland", now, 10);
            REQUIRE(claim.jobs.size() == 1);
            REQUIRE(jobs.begin_send("toyland", job.id, attempt, "w", now) == BeginSend::ok);
            REQUIRE(jobs.mark_call(message(job, attempt), "w", now).ok);
            auto r = result(job, Outcome::retry, now);
            r.retry_at = now + 30s;
            r.error = "throttled";
            const auto state = jobs.record(r);
            CHECK(state == (attempt < 3 ? JobState::planned : JobState::failed));
        }
        CHECK(jobs.get("toyland", job.id)->error == "throttled");
    }

    SECTION("deferrals and account problems are not attempts: the job waits, never fails") {
        // Ten times the attempts: deferred (no provider call, though some
        // were marked: a worker whose account decision came too late), and
        // refused by the provider for the account's sake (called, but not
        // counted).
        for (int dispatch = 1; dispatch <= 10 * cfg.max_attempts; ++dispatch) {
            const SysSeconds now = at("2027-09-15T10:00:00+08:00") + std::chrono::minutes(dispatch);
            const auto claim = jobs.claim_due("toyland", now, 10);
            REQUIRE(claim.jobs.size() == 1);
            CHECK(claim.failed == 0);
            REQUIRE(jobs.begin_send("toyland", job.id, dispatch, "w", now) == BeginSend::ok);
            auto r = result(job, dispatch % 2 ? Outcome::deferred : Outcome::account_problem, now);
            if (r.outcome == Outcome::account_problem || dispatch % 4 == 1)
                REQUIRE(jobs.mark_call(message(job, dispatch), "w", now).ok);
            r.retry_at = now + 30s;
            r.error = "recipient limit per day";
            CHECK(jobs.record(r) == JobState::planned);
        }
        const SysSeconds later = at("2027-09-15T12:00:00+08:00");
        const auto claim = jobs.claim_due("toyland", later, 10);
        REQUIRE(claim.jobs.size() == 1);
        const int dispatch = claim.jobs[0].attempts;
        REQUIRE(jobs.begin_send("toyland", job.id, dispatch, "w", later) == BeginSend::ok);
        REQUIRE(jobs.mark_call(message(job, dispatch), "w", later).ok);
        CHECK(jobs.record(result(job, Outcome::sent, later)) == JobState::sent);
    }

    SECTION("a deferral past the day's end expires the job, never fails it") {
        const SysSeconds t = at("2027-09-15T23:59:00+08:00");
        REQUIRE(jobs.claim_due("toyland", t, 10).jobs.size() == 1);
        auto r = result(job, Outcome::deferred, t);
        r.retry_at = at("2027-09-16T09:00:00+08:00");
        CHECK(jobs.record(r) == JobState::planned);
        const auto day_after = jobs.claim_due("toyland", *r.retry_at, 10);
        CHECK(day_after.expired == 1);
        CHECK(jobs.get("toyland", job.id)->state == JobState::expired);
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

TEST_CASE("a worker's batch begins and records in one script call a store") {
    TestRedis server;
    auto redis = server.connect();
    SchedulerConfig cfg;
    cfg.ack_timeout = 300s;
    cfg.max_attempts = 3;
    JobStore jobs(redis, cfg);
    const SysSeconds t = at("2027-09-15T10:00:00+08:00");
    // 150 jobs of toyland (two calls of at most 100) and 3 of babycare.
    std::vector<Job> all;
    for (int i = 0; i < 153; ++i) {
        Job j = birthday_job("M" + std::to_string(i));
        j.to = "+861380013" + std::to_string(1000 + i);
        if (i >= 150) j.store = "babycare";
        all.push_back(j);
    }
    REQUIRE(jobs.create(all) == 153);
    const auto toyland = jobs.claim_due("toyland", t, 200);
    const auto babycare = jobs.claim_due("babycare", t, 200);
    REQUIRE(toyland.jobs.size() == 150);
    REQUIRE(babycare.jobs.size() == 3);
    // The stores interleaved, as a worker's queue has them.
    std::vector<JobMessage> messages;
    for (std::size_t i = 0; i < 150; ++i) {
        const Job& j = toyland.jobs[i];
        messages.push_back({j.store,
                            j.id,
                            j.member_id,
                            j.kind,
                            j.channel,
                            j.to,
                            j.text,
                            {},
                            j.attempts,
                            j.expires_at});
        if (i < 3) {
            const Job& b = babycare.jobs[i];
            messages.push_back({b.store,
                                b.id,
                                b.member_id,
                                b.kind,
                                b.channel,
                                b.to,
                                b.text,
                                {},
                                b.attempts,
                                b.expires_at});
        }
    }
    // messages: t0 b0 t1 b1 t2 b2 t3 t4 ... One has opted out since the
    // claim (7), one is a stale copy (8).
    redis.command({"SADD", keys::opt_outs(only_shard("toyland"), "sms"), messages[7].to});
    messages[8].attempt = 7;
    std::vector<const JobMessage*> batch;
    for (const auto& m : messages)
        batch.push_back(&m);

    const auto replies = jobs.begin_send_many(batch, "w1", t);
    REQUIRE(replies.size() == messages.size());
    for (std::size_t i = 0; i < replies.size(); ++i) {
        INFO("job " << i << " " << messages[i].store << " " << replies[i].detail);
        if (i == 7) {
            CHECK(replies[i].verdict == BeginSend::cancelled);
        } else if (i == 8) {
            CHECK(replies[i].verdict == BeginSend::stale);
        } else {
            CHECK(replies[i].verdict == BeginSend::ok);
        }
    }
    CHECK(jobs.counts("toyland").at("cancelled") == 1);
    CHECK(jobs.counts("toyland").at("dispatched") == 149);
    CHECK(redis.command({"ZSCORE", keys::inflight(only_shard("toyland")), messages[7].job_id})
              .is_nil());

    // The results, with a job recorded twice in one call: a retry, then the
    // send that followed — it ends sent and out of the due set.
    std::vector<Recording> results;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (i == 7 || i == 8) continue;
        ResultMessage r;
        r.store = messages[i].store;
        r.job_id = messages[i].job_id;
        r.outcome = i == 9 ? Outcome::retry : Outcome::sent;
        r.retry_at = t + 60s;
        r.provider = "outbox";
        r.at = t;
        results.push_back({r, std::nullopt});
        if (i == 9) {
            r.outcome = Outcome::sent;
            results.push_back({r, std::nullopt});
        }
    }
    const auto states = jobs.record_many(results);
    REQUIRE(states.size() == results.size());
    for (std::size_t k = 0; k < states.size(); ++k) {
        INFO("result " << k);
        CHECK(states[k] == (k == 7 ? JobState::planned : JobState::sent));
    }
    const auto counts = jobs.counts("toyland");
    CHECK(counts.at("sent") == 148);
    CHECK(counts.at("dispatched") == 1);  // the stale copy's job: still out with attempt 1
    CHECK(counts.at("planned") == 0);
    CHECK(jobs.counts("babycare").at("sent") == 3);
    CHECK(redis.command({"ZCARD", keys::inflight(only_shard("toyland"))}).integer == 1);
    CHECK(redis.command({"ZCARD", keys::due(only_shard("toyland"))}).integer == 0);
    CHECK(redis.command({"ZCARD", keys::inflight(only_shard("babycare"))}).integer == 0);
    // Recorded again (the scheduler's copy): nothing changes.
    for (const auto& state : jobs.record_many(results))
        CHECK(state == JobState::sent);
    CHECK(jobs.counts("toyland") == counts);
}
