#include "core/planner.h"

#include <algorithm>

#include "core/honorific.h"

namespace huitou {

ChannelChoice choose_channel(const Member& m, const StoreConfig& store) {
    bool reachable = false;
    for (const Channel c : store.channels) {
        const bool has_address = c == Channel::sms ? !m.phone.empty() : !m.wechat_openid.empty();
        const bool agreed = c == Channel::sms ? m.sms_optin : m.wechat_optin;
        reachable = reachable || has_address;
        if (has_address && agreed) return {c, {}};
    }
    return {std::nullopt, reachable ? "no_consent" : "no_channel"};
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
    if (!in_audience(m, o.audience, o.date)) return {std::nullopt, "not_in_audience"};
    const auto choice = choose_channel(m, store);
    if (!choice.channel) return {std::nullopt, choice.reason};
    TemplateValues values = member_values(m, store);
    for (const auto& [key, value] : o.values)
        values.insert_or_assign(key, value);
    const auto text = templates.render(store.id, o.template_name, *choice.channel, values);
    if (!text) return {std::nullopt, "no_template"};
    Job job;
    job.store = store.id;
    job.id = make_job_id(o.kind, m.id, o.date, o.detail);
    job.kind = o.kind;
    job.member_id = m.id;
    job.occasion_date = o.date;
    job.marketing = o.marketing;
    job.channel = *choice.channel;
    job.to = *choice.channel == Channel::sms ? m.phone : m.wechat_openid;
    job.text = *text;
    for (const auto& [key, value] : values) {
        if (!value.empty()) job.params.emplace(key, value);
    }
    job.expires_at = start_of_day(Date{date::sys_days{day} + date::days{1}}, store.zone);
    job.due_at = std::max(local_instant(day, store.send_time, store.zone), now);
    job.created_at = now;
    return {std::move(job), {}};
}

}  // namespace huitou
