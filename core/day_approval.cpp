#include "core/day_approval.h"

#include <algorithm>

namespace huitou {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& id) {
    return std::find(list.begin(), list.end(), id) != list.end();
}

}  // namespace

std::optional<Date> approval_day(const StoreConfig& store, SysSeconds now) {
    if (!store.approve_before_send) return std::nullopt;
    return local_date(now, store.zone);
}

bool may_claim(const std::optional<Date>& approval_day, bool job_approved) {
    return !approval_day || job_approved;
}

ApprovalPlan plan_approval(const std::vector<std::string>& planned,
                           const std::vector<std::string>& shown,
                           const std::vector<std::string>& ticked) {
    ApprovalPlan plan;
    for (const auto& id : planned) {
        if (contains(ticked, id))
            plan.approve.push_back(id);
        else if (contains(shown, id))
            plan.cancel.push_back(id);
    }
    return plan;
}

std::string held_error(std::string_view login) {
    return "held by staff " + std::string(login);
}

std::string not_approved_error(std::string_view login) {
    return "not approved by " + std::string(login);
}

}  // namespace huitou
