// policy_config.h — a store's delivery policy settings: when it may send,
// how often a member may hear from it, and what needs consent.
//
// Per store, like the win-back settings: `[store_defaults.policy]` sets them
// for every store and `[stores.<id>.policy]` overrides them key by key
// (docs/configuration.md). The rules that use them are pure:
// core/send_window.h (windows, spreading), core/contact_history.h (caps and
// cooldowns), core/delivery_policy.h (all of it, per member and day); the
// dispatch-time checks in scripts/claim_due.lua mirror the caps.
// Read and checked by read_policy (policy_config.cpp).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "core/job.h"
#include "core/send_window.h"

namespace huitou {

struct PolicyConfig {
    // Local times of day a message may leave; PROVIDERS.md: platforms block
    // marketing SMS outside about 08:00–22:00, so 09:00–20:30 without lunch.
    std::vector<TimeWindow> windows{{std::chrono::hours(9), std::chrono::hours(12)},
                                    {std::chrono::hours(13) + std::chrono::minutes(30),
                                     std::chrono::hours(20) + std::chrono::minutes(30)}};
    std::optional<std::vector<TimeWindow>> sms_windows;     // per channel; unset: `windows`
    std::optional<std::vector<TimeWindow>> wechat_windows;  // per channel; unset: `windows`
    std::chrono::minutes spread{120};  // a day's messages spread over this much open time
    int max_per_day = 1;               // messages to one member, all kinds together
    int max_per_week = 2;              // ... in the 7 days ending today
    int max_per_30_days = 4;           // ... in the 30 days ending today
    // A message of the kind waits this many days after the member's last
    // message of another kind: with 3, a message on Monday holds a win-back
    // back until Thursday. 0 or absent: no cooldown.
    std::map<Kind, int> cooldown_days{{Kind::winback, 3}};
    // Service notices (card expiry) count toward the caps, but only the daily
    // cap holds them back unless this is set.
    bool caps_apply_to_notices = false;
    // Service notices need no marketing opt-in (PROVIDERS.md: the promotional
    // kinds do); every opt-out stops them all the same. Set to ask for it.
    bool notices_need_optin = false;

    const std::vector<TimeWindow>& windows_for(Channel c) const {
        const auto& specific = c == Channel::sms ? sms_windows : wechat_windows;
        return specific ? *specific : windows;
    }
    int cooldown_for(Kind k) const {
        const auto it = cooldown_days.find(k);
        return it == cooldown_days.end() ? 0 : it->second;
    }
};

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// [policy] of a store or of [store_defaults]; keys it lacks keep `p`'s
// values. Windows come back sorted; overlapping ones throw. Throws
// ConfigError naming the key.
void read_policy(Table& t, PolicyConfig& p);
}  // namespace config_detail

}  // namespace huitou
