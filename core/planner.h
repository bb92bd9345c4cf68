// planner.h — from an occasion to a job: the channel, the words, and the
// reason when there is none.
//
// The channel rules, pure: a store lists its channels in order of
// preference; a member can be sent a message on a channel when they have an
// address there (phone, openid), their address is not on the store's opt-out
// list for it (core/consent.h), and — for greetings and win-backs, which are
// marketing — the shop's record says they agreed; on WeChat greetings also
// need the member to have subscribed to the store's notices (WeChat allows
// template messages for service notices only, PROVIDERS.md). A service notice
// (card expiry) needs no marketing opt-in unless policy.notices_need_optin.
//
// `decide` plans one occasion alone through the delivery policy
// (core/delivery_policy.h), which is what planning uses for a member's whole
// day: channels, windows, caps, priorities and merging.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"
#include "core/occasion.h"

namespace huitou {

// Which of the member's addresses are on the store's opt-out lists.
struct Suppression {
    bool sms = false;
    bool wechat = false;

    bool of(Channel c) const { return c == Channel::sms ? sms : wechat; }
};

struct ChannelChoice {
    std::optional<Channel> channel;
    std::string reason;  // when none: no_channel, opted_out, no_consent, quiet_hours
};

// Why `m` cannot get a message of that purpose on `c`, or "" when they can:
// no_channel (no address), opted_out, no_consent.
std::string channel_problem(const Member& m, Channel c, bool marketing, const Suppression& refused,
                            const PolicyConfig& policy);

// The first channel in the store's preference `m` can get the message on and
// which `open(c)` says has send time left (all, when not given). When none:
// no_channel (no address on any of them), quiet_hours (one would have done,
// but its windows have closed for the day), opted_out, no_consent.
ChannelChoice choose_channel(const Member& m, const StoreConfig& store, bool marketing = true,
                             const Suppression& refused = {},
                             const std::function<bool(Channel)>& open = {});

// The values every template sees for `m` (honorific, name, store, tier); the
// occasion adds its own.
TemplateValues member_values(const Member& m, const StoreConfig& store);

struct PlanDecision {
    std::optional<Job> job;
    std::string reason;  // set when there is no job
};

// Occasion `o` of `m` planned alone on local `day` at `now`: the delivery
// policy with no other occasion, no history and no opt-outs. Its id is the
// occasion's stable key: kind, member, the occasion's date and its detail.
PlanDecision decide(const Member& m, const Occasion& o, const Date& day, const StoreConfig& store,
                    const TemplateSet& templates, SysSeconds now);

}  // namespace huitou
