// planner.h — from "this member has an occasion today" to a job, or a reason.
//
// Pure: given a member, the store's local day, the store's config, the
// templates and now, it decides the channel, renders the text and sets the
// due and expiry times. Every candidate that gets no job gets a reason
// (no_channel, no_consent, no_template), so a preview can explain itself. The
// delivery policy (caps, quiet hours, merging) will sit between occasion and
// job here; today the rules are: the store's channel preference, consent per
// channel, due at the store's send time (or now if that has passed), expired
// at the end of the local day — a birthday greeting is never late.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"

namespace huitou {

struct PlanDecision {
    std::optional<Job> job;
    std::string reason;  // set when there is no job
};

struct ChannelChoice {
    std::optional<Channel> channel;
    std::string reason;  // no_channel / no_consent when none
};

// The first channel in the store's preference that the member can be reached
// on and agreed to.
ChannelChoice choose_channel(const Member& m, const StoreConfig& store);

// The values a template sees for `m` (honorific, name, store, tier, age).
TemplateValues member_values(const Member& m, const StoreConfig& store, const Date& day);

// The birthday job of `m` for local `day`, or the reason there is none. The
// caller has established that `day` is the member's birthday.
PlanDecision plan_birthday(const Member& m, const Date& day, const StoreConfig& store,
                           const TemplateSet& templates, SysSeconds now);

}  // namespace huitou
