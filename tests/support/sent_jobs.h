// sent_jobs.h — a job in Redis sent through a real Sender, for the receipt tests.
//
// Created, claimed, begun and recorded `sent` exactly as the scheduler and the
// worker do it, with its receipt noted in the index first (as Worker::report
// does before the record), so a receipt can be played against it.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "core/civil_time.h"
#include "io/job_store.h"
#include "io/receipt_index.h"
#include "workers/sender.h"

namespace huitou::test {

// A birthday job of `store` for `member` to `phone`, sent through `sender`
// (which must answer sent) and recorded; returns its id.
inline std::string send_job(JobStore& jobs, ReceiptIndex& index, Sender& sender, const Clock& clock,
                            const std::string& store, const std::string& member,
                            const std::string& phone) {
    Job j;
    j.store = store;
    j.kind = Kind::birthday;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.to = phone;
    j.text = "生日快乐";
    j.params = {{"honorific", "王女士"}, {"store", "童乐玩具"}};
    j.due_at = clock.now();
    j.expires_at = *parse_instant("2099-01-01T00:00:00+08:00");
    REQUIRE(jobs.create({j}) == 1);
    const auto claimed = jobs.claim_due(store, clock.now(), 10);
    REQUIRE(claimed.jobs.size() == 1);
    const Job& c = claimed.jobs.front();
    REQUIRE(jobs.begin_send(store, c.id, c.attempts, "test", clock.now()) == BeginSend::ok);
    const JobMessage m{c.store, c.id,   c.member_id, c.kind,     c.channel,
                       c.to,    c.text, c.params,    c.attempts, c.expires_at};
    const auto result = sender.send(m, clock.now());
    INFO(result.error);
    REQUIRE(result.outcome == Outcome::sent);
    index.await(m, result.provider_ref, clock.now());
    jobs.record({store,
                 c.id,
                 Outcome::sent,
                 std::string(sender.name()),
                 result.provider_ref,
                 {},
                 std::nullopt,
                 clock.now(),
                 "test"});
    return c.id;
}

// A field of a job's hash ("" when absent).
inline std::string job_field(RedisConnection& redis, const std::string& store,
                             const std::string& id, const std::string& field) {
    return redis.command({"HGET", "hu:{" + store + "}:job:" + id, field}).str;
}

}  // namespace huitou::test
