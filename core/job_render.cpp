#include "core/job_render.h"

#include "core/delivery_policy.h"
#include "core/message_draft.h"
#include "core/occasion.h"
#include "core/visit_state.h"
#include "core/welcome.h"
#include "core/winback.h"

namespace huitou {
namespace {

// The occasion job `id` stands for, as planning `due_day` found it.
std::optional<Occasion> occasion_of(const Member& m, const PlanningDay& pd,
                                    const StoreConfig& store, std::string_view id) {
    const auto parts = parse_job_id(id);
    if (!parts || parts->member_id != m.id) return std::nullopt;
    if (parts->kind == Kind::winback) {
        // A win-back's occasion is the member's last visit and the step:
        // both are in its id.
        int step = 0;
        for (const char c : parts->detail) {
            if (c < '0' || c > '9' || step > 1000) return std::nullopt;
            step = step * 10 + (c - '0');
        }
        VisitState v;
        v.last_date = parts->occasion;
        return winback_occasion(v, step);
    }
    if (parts->kind == Kind::welcome) {
        // A welcome's occasion is the opt-in: its date and channel are in its id.
        const auto channel = parse_channel(parts->detail);
        if (!channel) return std::nullopt;
        return welcome_occasion(parts->occasion, *channel);
    }
    for (auto& o : occasions_for(m, pd, store)) {
        if (make_job_id(o.kind, m.id, o.date, o.detail) == id) return std::move(o);
    }
    return std::nullopt;
}

}  // namespace

JobWords render_job(const Member& m, const Config& config, const StoreConfig& store,
                    const TemplateSet& templates, const Date& due_day, std::string_view job_id,
                    Channel channel, const std::vector<std::string>& merged) {
    JobWords out;
    const PlanningDay pd = planning_day(config, store, due_day);
    const auto own = occasion_of(m, pd, store, job_id);
    if (!own) {
        out.problem = "the member no longer has the occasion " + std::string(job_id);
        return out;
    }
    auto draft = MessageDraft::of(m, *own, store);
    for (const auto& id : merged) {
        const auto other = occasion_of(m, pd, store, id);
        if (!other) {
            out.problem = "the member no longer has the occasion " + id + " merged into " +
                          std::string(job_id);
            return out;
        }
        const auto their = MessageDraft::of(m, *other, store);
        if (draft.joins_as_twin(other->kind))
            draft.join_twin(their, id);
        else
            draft.join(other->kind, their, id, merge_template_name(own->kind, other->kind));
    }
    out.text = templates.render(store.id, draft.template_name, channel, draft.values);
    if (!out.text) {
        out.problem = "the store has no " + std::string(to_string(channel)) + " template " +
                      draft.template_name;
        return out;
    }
    out.params = draft.params(own->template_name);
    return out;
}

}  // namespace huitou
