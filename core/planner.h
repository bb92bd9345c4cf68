// planner.h — from an occasion to a job, or to the reason there is none.
//
// The decision step of planning (occasions → decision → job, occasion.h
// finds the occasions). Pure: given a member, one of their occasions, the
// day being planned, the store's config, the templates and now, it checks
// the audience, chooses the channel, renders the text and sets the due and
// expiry times. Every occasion that gets no job gets a reason
// (not_in_audience, no_channel, no_consent, no_template), so a preview can
// explain itself. Today's rules: the store's channel preference, consent per
// channel, due at the store's send time on the planned day (or now if that
// has passed), expired at the end of that local day — a greeting is never late.
//
// The delivery policy (caps, one message a day by priority, quiet hours) is
// not here: it will sit between occasions_for and decide.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"
#include "core/occasion.h"

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

// The values every template sees for `m` (honorific, name, store, tier); the
// occasion adds its own.
TemplateValues member_values(const Member& m, const StoreConfig& store);

// The job for occasion `o` of `m`, planned on local `day`, or the reason
// there is none. Its id is the occasion's stable key: kind, member, the
// occasion's date and its detail.
PlanDecision decide(const Member& m, const Occasion& o, const Date& day, const StoreConfig& store,
                    const TemplateSet& templates, SysSeconds now);

}  // namespace huitou
