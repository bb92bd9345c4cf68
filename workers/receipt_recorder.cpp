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
    const auto state =
        jobs_.record_delivery(job.store, job.job_id, status, r.at.value_or(now), r.detail);
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
