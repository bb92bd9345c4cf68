#include "core/planner.h"

#include "core/consent.h"
#include "core/delivery_policy.h"
#include "core/honorific.h"

namespace huitou {

std::string channel_problem(const Member& m, Channel c, bool marketing, const Suppression& refused,
                            const PolicyConfig& policy) {
    if (address_of(m, c).empty()) return "no_channel";
    if (refused.of(c)) return "opted_out";
    if ((marketing || policy.notices_need_optin) && !optin_of(m, c)) return "no_consent";
    // WeChat template messages are for service notices; greetings go as
    // subscription notices, which the member must have subscribed to.
    if (marketing && c == Channel::wechat && !m.wechat_subscribed) return "no_consent";
    return {};
}

ChannelChoice choose_channel(const Member& m, const StoreConfig& store, bool marketing,
                             const Suppression& refused, const std::function<bool(Channel)>& open) {
    bool reachable = false, opted_out = false, closed = false;
    for (const Channel c : store.channels) {
        const auto problem = channel_problem(m, c, marketing, refused, store.policy);
        if (problem == "no_channel") continue;
        reachable = true;
        opted_out = opted_out || problem == "opted_out";
        if (!problem.empty()) continue;
        if (open && !open(c)) {
            closed = true;
            continue;
        }
        return {c, {}};
    }
    if (!reachable) return {std::nullopt, "no_channel"};
    if (closed) return {std::nullopt, "quiet_hours"};  // it would have gone, earlier in the day
    return {std::nullopt, opted_out ? "opted_out" : "no_consent"};
}

TemplateValues member_values(const Member& m, const StoreConfig& store) {
    TemplateValues v;
    v["honorific"] = honorific(m.name, m.gender);
    v["name"] = m.name;
    v["store"] = store.name;
    v["tier"] = m.tier;
    return v;
}

PlanDecision decide(const Member& m, const Occasion& o, const Date& day, const StoreConfig& store,
                    const TemplateSet& templates, SysSeconds now) {
    Member alone = m;
    alone.contacts.clear();
    auto verdicts = plan_member_day({alone, {o}, {}, day, now}, store, templates);
    auto& v = verdicts.front();
    return {std::move(v.job), std::move(v.reason)};
}

}  // namespace huitou
