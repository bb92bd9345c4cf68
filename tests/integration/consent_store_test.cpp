// The consent base and the new job transitions on a real Redis: opt-outs with
// their evidence, begin_send cancelling an opted-out job, delivery reports,
// and retries that may have reached the provider.
#include <catch2/catch.hpp>

#include "io/consent_store.h"
#include "io/job_store.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

Job job_for(const std::string& member, Channel channel, const std::string& to) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::birthday;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.channel = channel;
    j.to = to;
    j.text = "生日快乐";
    j.due_at = at("2027-09-15T10:00:00+08:00");
    j.expires_at = at("2027-09-16T00:00:00+08:00");
    return j;
}

ResultMessage result(const Job& j, Outcome o, SysSeconds when) {
    ResultMessage r;
    r.store = j.store;
    r.job_id = j.id;
    r.outcome = o;
    r.provider = "test";
    r.at = when;
    return r;
}

}  // namespace

ConsentEvent opt_out(const std::string& store, Channel c, const std::string& address,
                     ConsentSource source, const std::string& detail, SysSeconds when) {
    ConsentEvent e;
    e.at = when;
    e.store = store;
    e.channel = c;
    e.source = source;
    e.address = address;
    e.detail = detail;
    return e;
}

TEST_CASE("an event check_consent_event refuses is refused, not asserted on") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config("[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
    ConsentStore consent(redis, config);
    const auto when = at("2027-09-15T12:00:00+08:00");
    auto nobody = opt_out("toyland", Channel::sms, "", ConsentSource::sms_reply, "", when);
    CHECK_THROWS_AS(consent.record(nobody), std::invalid_argument);
    auto opt_in =
        opt_out("toyland", Channel::sms, "+8613800138000", ConsentSource::sms_reply, "", when);
    opt_in.opt_in = true;  // an SMS reply cannot opt in
    CHECK_THROWS_WITH(consent.record(opt_in), Catch::Contains("not from sms_reply"));
    CHECK(consent.ledger("toyland").empty());
}

TEST_CASE("opt-outs: ledger and suppression") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config("[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
    ConsentStore consent(redis, config);
    const auto o = opt_out("toyland", Channel::sms, "+8613800138000", ConsentSource::sms_reply,
                           "reply \"TD\"", at("2027-09-15T12:00:00+08:00"));
    CHECK(consent.record(o).newly_opted_out);
    CHECK_FALSE(consent.record(o).newly_opted_out);  // already opted out, but the ledger keeps both
    CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138000"));
    CHECK_FALSE(consent.is_opted_out("toyland", Channel::wechat, "+8613800138000"));
    CHECK_FALSE(consent.is_opted_out("babycare", Channel::sms, "+8613800138000"));
    auto ledger = consent.ledger("toyland");
    REQUIRE(ledger.size() == 2);
    ledger[0].id.clear();
    CHECK(ledger[0] == o);
}

TEST_CASE("begin_send checks consent, delivery reports, unsure retries") {
    TestRedis server;
    auto redis = server.connect();
    SchedulerConfig cfg;
    cfg.max_attempts = 3;
    JobStore jobs(redis, cfg);
    const Config config = parse_config("[stores.toyland]\nname = \"童乐玩具\"\n", "t.toml");
    ConsentStore consent(redis, config);
    const SysSeconds now = at("2027-09-15T10:00:00+08:00");

    SECTION("an opted-out address: the job ends cancelled, atomically with the check") {
        const Job sms = job_for("M1", Channel::sms, "+8613800138000");
        const Job wechat = job_for("M2", Channel::wechat, "+8613800138000");
        jobs.create({sms, wechat});
        REQUIRE(jobs.claim_due("toyland", now, 10).jobs.size() == 2);
        consent.record(
            opt_out("toyland", Channel::sms, "+8613800138000", ConsentSource::sms_reply, "T", now));
        // The opt-out cancelled the dispatched job at once (no worker had
        // begun it); a worker holding the copy is refused.
        std::string why;
        CHECK(jobs.begin_send("toyland", sms.id, 1, "w", now, &why) == BeginSend::already_finished);
        CHECK(why == "state:cancelled");
        const auto cancelled = jobs.get("toyland", sms.id);
        CHECK(cancelled->state == JobState::cancelled);
        CHECK(cancelled->error == "opted_out");
        CHECK(jobs.counts("toyland").at("cancelled") == 1);
        // The opt-out is per channel: the WeChat job (same string) goes.
        CHECK(jobs.begin_send("toyland", wechat.id, 1, "w", now) == BeginSend::ok);
        // A result for the cancelled job changes nothing.
        CHECK(jobs.record(result(sms, Outcome::sent, now)) == JobState::cancelled);
    }

    const Job job = job_for("M9", Channel::sms, "+8613700137000");
    jobs.create({job});
    REQUIRE(jobs.claim_due("toyland", now, 10).jobs.size() == 1);
    REQUIRE(jobs.begin_send("toyland", job.id, 1, "w", now) == BeginSend::ok);
    const auto message = [&](int attempt) {
        return JobMessage{job.store, job.id, job.member_id, job.kind,      job.channel, job.to,
                          job.text,  {},     attempt,       job.expires_at};
    };

    SECTION("an opt-out cancels a claimed job whose call has not begun; the mark refuses it") {
        consent.record(
            opt_out("toyland", Channel::sms, job.to, ConsentSource::sms_reply, "退订", now));
        CHECK(jobs.get("toyland", job.id)->state == JobState::cancelled);
        CHECK(jobs.mark_call(message(1), "w", now).detail == "state:cancelled");
        CHECK(jobs.counts("toyland").at("cancelled") == 1);
        CHECK(jobs.counts("toyland").at("dispatched") == 0);
    }

    SECTION("an opt-out does not cancel a job whose provider call has begun") {
        REQUIRE(jobs.mark_call(message(1), "w", now).ok);
        consent.record(
            opt_out("toyland", Channel::sms, job.to, ConsentSource::sms_reply, "退订", now));
        CHECK(jobs.get("toyland", job.id)->state == JobState::dispatched);
        CHECK(jobs.record(result(job, Outcome::sent, now)) == JobState::sent);
    }

    SECTION("a delivery report moves sent → delivered, once") {
        CHECK(jobs.record(result(job, Outcome::sent, now)) == JobState::sent);
        CHECK(jobs.record_delivery("toyland", job.id, "accepted", now) == JobState::sent);
        CHECK(jobs.record_delivery("toyland", job.id, "delivered", now + 5s) ==
              JobState::delivered);
        CHECK(jobs.record_delivery("toyland", job.id, "delivered", now + 6s) ==
              JobState::delivered);
        CHECK(jobs.counts("toyland").at("delivered") == 1);
        CHECK(jobs.counts("toyland").at("sent") == 0);
        CHECK(jobs.record_delivery("toyland", "nope", "delivered", now) == std::nullopt);
    }

    SECTION("a report that overtakes the worker's record: the record finishes it delivered") {
        CHECK(jobs.record_delivery("toyland", job.id, "delivered", now) == JobState::dispatched);
        CHECK(jobs.record(result(job, Outcome::sent, now)) == JobState::delivered);
        CHECK(jobs.counts("toyland").at("delivered") == 1);
    }

    SECTION("a retry that may have gone: the next claim asks to verify") {
        REQUIRE(jobs.mark_call(message(1), "w", now).ok);
        auto r = result(job, Outcome::retry, now);
        r.retry_at = now + 30s;
        CHECK(jobs.record(r, now) == JobState::planned);
        // The scheduler's copy of the same result keeps the flag.
        CHECK(jobs.record(r) == JobState::planned);
        REQUIRE(jobs.claim_due("toyland", now + 30s, 10).jobs.size() == 1);
        SysSeconds since{};
        CHECK(jobs.begin_send("toyland", job.id, 2, "w", now + 30s, nullptr, &since) ==
              BeginSend::verify);
        CHECK(since == now);
        REQUIRE(jobs.mark_call(message(2), "w", now + 30s).ok);
        // A definite retry clears it.
        CHECK(jobs.record(result(job, Outcome::retry, now + 31s)) == JobState::planned);
        REQUIRE(jobs.claim_due("toyland", now + 40s, 10).jobs.size() == 1);
        CHECK(jobs.begin_send("toyland", job.id, 3, "w", now + 40s) == BeginSend::ok);
        REQUIRE(jobs.mark_call(message(3), "w", now + 40s).ok);
        // Out of attempts while unsure: unknown, not failed — it may have gone.
        CHECK(jobs.record(result(job, Outcome::retry, now + 41s), now + 41s) == JobState::unknown);
    }

    SECTION("outcome unknown ends the job unknown") {
        CHECK(jobs.record(result(job, Outcome::unknown, now)) == JobState::unknown);
        CHECK(jobs.get("toyland", job.id)->state == JobState::unknown);
    }
}
