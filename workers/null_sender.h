// null_sender.h — the provider that sends nothing: for load tests.
//
// Every job is reported sent at once, with the job id as the provider's
// reference, and nothing is written anywhere. Everything around the call —
// begin_send in Redis, consent, the rate limits, the record of the result and
// the report to the scheduler — runs as with a real provider, so a load test
// with `provider = "null"` measures huitou itself (bench/dispatch.cpp), not a
// gateway or a disk. Never for production: members get nothing.
#pragma once

#include "workers/sender.h"

namespace huitou {

class NullSender final : public Sender {
  public:
    std::string_view name() const override { return "null"; }
    SendResult send(const JobMessage& job, SysSeconds /*now*/) override {
        return {Outcome::sent, job.job_id, {}, std::nullopt};
    }
};

}  // namespace huitou
