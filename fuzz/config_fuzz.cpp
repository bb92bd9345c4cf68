// Fuzzes the TOML config loader: any text must load or throw ConfigError
// (one clear line), never crash, hang, or throw anything else — and what
// loads keeps the bounds the rest of huitou relies on.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto c = huitou::parse_config(text, "fuzz.toml", {},
                                            [](const std::string&) { return std::nullopt; });
        if (c.stores.empty()) __builtin_trap();
        const auto& s = c.scheduler;
        if (s.max_in_flight < 1 || s.max_attempts < 1 || s.dispatch_batch < 1 || s.plan_batch < 1 ||
            s.ack_timeout.count() < 1) {
            __builtin_trap();
        }
        for (const auto& [id, store] : c.stores) {
            if (store.sms_max_parts < 1 || store.zone == nullptr) __builtin_trap();
            if (store.policy.max_per_day < 1) __builtin_trap();
        }
        if (c.sms.rate.per_second < 0 || c.sms.rate.burst < 0) __builtin_trap();
    } catch (const huitou::ConfigError& e) {
        if (std::string(e.what()).empty()) __builtin_trap();
    }
    return 0;
}
