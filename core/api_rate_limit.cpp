#include "core/api_rate_limit.h"

namespace huitou {

ApiRateLimit::ApiRateLimit(long long per_second, long long burst)
    : per_second_(per_second), limit_(GcraLimit::per(per_second, std::chrono::seconds(1), burst)) {}

std::optional<std::chrono::microseconds> ApiRateLimit::admit(const std::string& key, GcraTime now) {
    std::lock_guard lock(mutex_);
    const auto it = tat_.find(key);
    const auto d = gcra_decide(
        limit_, it == tat_.end() ? std::nullopt : std::optional<GcraTime>(it->second), now);
    if (d.verdict != GcraVerdict::allowed) return d.retry_after;
    if (tat_.size() > 10000) {
        // Keys whose TAT has passed hold nothing: forget them.
        std::erase_if(tat_, [now](const auto& entry) { return entry.second <= now; });
    }
    tat_[key] = *d.new_tat;
    return std::nullopt;
}

}  // namespace huitou
