// receipt_index.h — the sent SMS still waiting for a provider's receipt, and
// the job a provider's own message id belongs to.
//
// A receipt must find its job. Aliyun's push echoes our OutId and Tencent's
// pull our SessionContext ("<store>/<job id>", core/sms_receipt.h): nothing to
// keep. Two cases need a note, written by the SMS worker when a job is sent
// (Worker::report, before the result is recorded, so a receipt that comes
// at once finds it):
//   - Tencent's push echoes only its SerialNo: hu:rcpt:{<account>}:sid:<SerialNo>
//     holds "<store>/<job id>" for 72 hours (core/receipt_poll.h's
//     receipt_wait), deleted when the final receipt is recorded. A key per
//     message, under the account's hash tag, so it expires by itself; the
//     account, not the store, because the push does not say the store.
//   - Aliyun, polled, is asked message by message: hu:{S}:rcpt, a zset of the
//     store's jobs by when to ask next (first_receipt_query), beside the job
//     whose hash has the number, the BizId and when it went. The poller moves
//     the score along the schedule and drops the job on its receipt or after
//     72 hours.
// Nothing is kept for a provider whose receipts are off or need nothing.
// Throws RedisError (Redis away) and RedisReplyError (refused), like every store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/provider_config.h"
#include "core/sms_receipt.h"
#include "core/wire.h"
#include "io/redis_connection.h"

namespace huitou {

class ReceiptIndex {
  public:
    // `provider` (the channel's) says which notes are needed; it must outlive this.
    ReceiptIndex(RedisConnection& redis, const ProviderConfig& provider);

    // Whether `await` writes anything for this provider's receipts.
    bool needed() const;

    // `job` went at `at` with the provider's id `provider_ref`: note what its
    // receipt will need, if anything.
    void await(const JobMessage& job, const std::string& provider_ref, SysSeconds at);

    // The job a Tencent SerialNo was noted for; nullopt when none (another
    // system's message, or the note expired or was forgotten).
    std::optional<ReceiptRef> find_serial(const std::string& serial);
    void forget_serial(const std::string& serial);

    // Jobs of `store` due to be asked about at `now`, earliest first, at most `limit`.
    std::vector<std::string> due(const std::string& store, SysSeconds now, std::size_t limit);

    // What asking about a job needs, from its hash.
    struct Facts {
        std::string state;  // "sent", "delivered", "unknown", ...
        std::string to;     // E.164
        std::string provider_ref;
        std::string dlr_status;  // the last report, if any
        std::optional<SysSeconds> sent_at;
    };
    // nullopt when the job is gone (expired from Redis).
    std::optional<Facts> facts(const std::string& store, const std::string& job_id);

    // Ask about the job again at `at`.
    void reschedule(const std::string& store, const std::string& job_id, SysSeconds at);
    // Stop asking about the job.
    void drop(const std::string& store, const std::string& job_id);

  private:
    RedisConnection& redis_;
    const ProviderConfig& provider_;
};

}  // namespace huitou
