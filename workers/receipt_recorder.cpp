#include "workers/receipt_recorder.h"

#include <spdlog/spdlog.h>

#include "core/phone_number.h"

namespace huitou {

Counter receipt_counter(MetricsRegistry& registry) {
    return registry.counter("huitou_sms_receipts_total",
                            "SMS delivery receipts from Aliyun and Tencent, by how they came and "
                            "what became of them",
                            {"provider", "how", "result"});
}

ReceiptRecorder::ReceiptRecorder(const Config& config, const ProviderConfig& provider,
                                 RedisConnection& redis, Counter counter)
    : config_(config),
      provider_(provider),
      jobs_(redis, config.scheduler),
      index_(redis, provider),
      parked_(redis, config),
      counter_(counter) {}

std::optional<ReceiptRef> ReceiptRecorder::job_of(const SmsReceipt& r, bool serial_only) {
    std::optional<ReceiptRef> ref =
        serial_only ? index_.find_serial(r.ref) : parse_receipt_ref(r.ref);
    if (!ref && !serial_only && !r.ref.empty() && r.ref.find('/') == std::string::npos &&
        config_.stores.size() == 1) {
        // Sent before the reference named its store: the job id alone.
        ref = ReceiptRef{config_.stores.begin()->first, r.ref};
    }
    if (ref && !config_.find_store(ref->store)) return std::nullopt;
    return ref;
}

bool ReceiptRecorder::record(const ReceiptRef& job, const SmsReceipt& r, SysSeconds now,
                             std::string_view how) {
    const std::string status(delivery_status(r));
    // While a reshard holds the store, parked (io/parked_events.h): a push
    // is tried again for minutes, a pulled Tencent report never.
    const ParkedDelivery result{job.store, job.job_id, status, r.at.value_or(now), r.detail};
    std::optional<JobState> state;
    if (parked_.apply_or_park(job.store, {result}, [&] {
            state = jobs_.record_delivery(result.store, result.job_id, result.status, result.at,
                                          result.detail);
        })) {
        counter_.inc({provider_.provider, std::string(how), "parked"});
        spdlog::info("{} {}: {} receipt from {}: {}: parked, the store is being resharded",
                     job.store, job.job_id, how, provider_.provider, status);
        return true;
    }
    if (!state) {
        unknown(r, how);
        return false;
    }
    counter_.inc({provider_.provider, std::string(how), status});
    spdlog::info("{} {}: {} receipt from {}: {}{} → {}", job.store, job.job_id, how,
                 provider_.provider, status, r.detail.empty() ? "" : " (" + r.detail + ")",
                 to_string(*state));
    return true;
}

void ReceiptRecorder::unknown(const SmsReceipt& r, std::string_view how) {
    counter_.inc({provider_.provider, std::string(how), "unknown_job"});
    spdlog::warn("{}: a {} receipt for no job of ours (\"{}\", {}): ignored", provider_.provider,
                 how, r.ref, mask_phone(r.phone));
}

void ReceiptRecorder::count(std::string_view how, std::string_view result, double n) {
    counter_.inc({provider_.provider, std::string(how), std::string(result)}, n);
}

}  // namespace huitou
