// receipt_poller.h — asks Aliyun or Tencent for the receipts of what was
// sent, for a shop that has no public address to take their pushes.
//
// With receipts = "poll" for the configured provider, huitou-sms runs this on
// a thread of its own with its own Redis connection and its own provider
// client: a slow provider query never slows sending. Each round:
//   - Aliyun: every store's jobs due in hu:{S}:rcpt (io/receipt_index.h, at
//     most sms.receipts.poll_batch a round), each looked up with
//     QuerySendDetails (number, Beijing send date, BizId, our OutId):
//     SendStatus 3 → delivered, 2 → undelivered with its ErrCode, 1 or not
//     listed yet → asked again on the schedule of core/receipt_poll.h, given
//     up after 72 hours (the job stays sent, counted as gave_up).
//   - Tencent: PullSmsSendStatus for the account (≤ 100 a call, each report
//     handed out once), again at once while pages come full; each report
//     names its job by its SessionContext. A pulled report that could not be
//     recorded (Redis away) is kept in memory and recorded first next round.
// Every report is recorded by workers/receipt_recorder.h, as pushed ones are.
// Provider calls are spaced to sms.receipts.poll_per_second; rounds are
// sms.receipts.poll_interval_seconds apart (on the worker's clock).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/redis_url.h"
#include "core/sms_receipt.h"

namespace huitou {

class ReceiptPoller {
  public:
    // For `provider` (the sms channel's config, aliyun or tencent; it must
    // outlive this), signing with `secret` (its access key secret / secret
    // key). Throws ConfigError for another provider, RedisError when Redis
    // is unreachable.
    ReceiptPoller(const Config& config, const ProviderConfig& provider, const RedisEndpoint& redis,
                  const Clock& clock, std::string secret, Counter counter);
    ~ReceiptPoller();  // stops the thread, if started, after its current call
    ReceiptPoller(const ReceiptPoller&) = delete;
    ReceiptPoller& operator=(const ReceiptPoller&) = delete;

    // Runs rounds on a thread of its own until destroyed; survives Redis outages.
    void start();

    // One round at the clock's now; returns when the next is due. Throws
    // RedisError (Redis away), RedisReplyError.
    SysSeconds round();

  private:
    SysSeconds aliyun_round(SysSeconds now);
    SysSeconds tencent_round(SysSeconds now);
    // Records the Tencent reports pulled and not recorded yet.
    void record_pulled(SysSeconds now);
    // Waits until the next provider call may go (poll_per_second).
    void pace();

    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace huitou
