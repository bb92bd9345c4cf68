#include "scheduler/winback_planning.h"

#include <algorithm>

#include "core/visit_cycle.h"
#include "core/winback.h"

namespace huitou {

WinbackReport plan_winbacks(WinbackStore& winbacks, JobStore& jobs, const StoreConfig& store,
                            const Date& day, const TemplateSet& templates, SysSeconds now,
                            std::size_t batch) {
    WinbackReport report;
    if (!store.winback.enabled) return report;
    const auto ids = winbacks.due(store.id, day_number(day));
    report.candidates = ids.size();
    for (std::size_t first = 0; first < ids.size(); first += batch) {
        const std::vector<std::string> chunk(
            ids.begin() + static_cast<std::ptrdiff_t>(first),
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), first + batch)));
        std::vector<Job> new_jobs;
        std::vector<WinbackTransition> transitions;
        for (auto& c : winbacks.read(store.id, chunk, day)) {
            if (!c.visits) {
                ++report.reasons["no_visit_state"];
                continue;
            }
            auto step = plan_winback(*c.visits, c.member ? &*c.member : nullptr, c.busy, day, store,
                                     templates, now);
            ++report.actions[std::string(to_string(step.action))];
            if (!step.reason.empty()) ++report.reasons[step.reason];
            if (step.action == WinbackAction::wait) continue;
            if (step.job) new_jobs.push_back(*step.job);
            transitions.push_back({std::move(c.member_id), std::move(*c.visits), std::move(step)});
        }
        report.created += jobs.create(new_jobs);
        for (const bool applied : winbacks.apply(store.id, transitions, now)) {
            if (!applied) ++report.conflicts;
        }
    }
    return report;
}

}  // namespace huitou
