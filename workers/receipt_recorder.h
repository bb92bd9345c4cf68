// receipt_recorder.h — an Aliyun or Tencent receipt recorded on its job, the
// same way whether it was pushed (workers/receipt_listener.h) or asked for
// (workers/receipt_poller.h).
//
// First the job it names: the reference huitou sent ("<store>/<job id>" as
// Aliyun's OutId and Tencent's SessionContext), or, for Tencent's push, its
// SerialNo looked up in the index (io/receipt_index.h). A message sent before
// huitou put the store in the reference carries the job id alone: taken as
// the job of the one configured store when there is only one, else not
// attributable. Then record_delivery (io/job_store.h), the one path every
// delivery report takes: delivered → the job `delivered`; a failure → kept
// on the job (dlr_status `undelivered`, the carrier's code as dlr_detail),
// the job stays `sent`. A report that names no job of ours is not an error —
// the provider would send it again and again — it is logged and counted
// (huitou_sms_receipts_total{result="unknown_job"}) and otherwise ignored.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/metrics.h"
#include "core/sms_receipt.h"
#include "io/job_store.h"
#include "io/parked_events.h"
#include "io/receipt_index.h"
#include "io/redis_connection.h"

namespace huitou {

// The counter of receipts by provider, how they came (push, poll) and result
// (delivered, undelivered, unknown_job, malformed, forbidden, gave_up, parked).
// Registered once in a registry; the handle is shared.
Counter receipt_counter(MetricsRegistry& registry);

class ReceiptRecorder {
  public:
    // `provider` is the channel's config (its provider names the receipts);
    // both it and `config` must outlive this.
    ReceiptRecorder(const Config& config, const ProviderConfig& provider, RedisConnection& redis,
                    Counter counter);

    // The job `r` is about, or nullopt when none of ours. `serial_only`: the
    // report names Tencent's SerialNo, not our reference (Tencent's push).
    // Throws RedisError.
    std::optional<ReceiptRef> job_of(const SmsReceipt& r, bool serial_only);

    // Records `r` on `job` (at the report's time, else `now`), or parks it
    // while a reshard holds the store (io/parked_events.h, counted as
    // `parked`); false when the job is not there (unknown). `how` is "push" or "poll", for the
    // count. Throws RedisError, RedisReplyError.
    bool record(const ReceiptRef& job, const SmsReceipt& r, SysSeconds now, std::string_view how);

    // Counts and logs a receipt that names no job of ours.
    void unknown(const SmsReceipt& r, std::string_view how);
    // Counts `n` receipts of `result` (malformed, forbidden, gave_up).
    void count(std::string_view how, std::string_view result, double n = 1);

    ReceiptIndex& index() { return index_; }

  private:
    const Config& config_;
    const ProviderConfig& provider_;
    JobStore jobs_;
    ReceiptIndex index_;
    ParkedEvents parked_;
    Counter counter_;
};

}  // namespace huitou
