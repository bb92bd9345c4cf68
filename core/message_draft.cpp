#include "core/message_draft.h"

#include "core/planner.h"

namespace huitou {

MessageDraft MessageDraft::of(const Member& m, const Occasion& o, const StoreConfig& store) {
    MessageDraft d;
    d.template_name = o.template_name;
    d.values = member_values(m, store);
    for (const auto& [key, value] : o.values)
        d.values.insert_or_assign(key, value);
    d.names_child = o.kind == Kind::child_birthday;
    return d;
}

bool MessageDraft::joins_as_twin(Kind kind) const {
    return kind == Kind::child_birthday && names_child;
}

void MessageDraft::join_twin(const MessageDraft& twin, std::string_view id) {
    auto& names = values["child_name"];
    const auto other = twin.values.find("child_name");
    names += "和" + (other == twin.values.end() ? std::string{} : other->second);
    const auto age = values.find("child_age");
    const auto other_age = twin.values.find("child_age");
    const std::string their_age = other_age == twin.values.end() ? "" : other_age->second;
    if (age != values.end() && their_age != age->second) values.erase(age);
    merged += (merged.empty() ? "" : " ") + std::string(id);
}

void MessageDraft::join(Kind kind, const MessageDraft& other, std::string_view id,
                        std::string pair_template) {
    template_name = std::move(pair_template);
    // The message's own values win.
    for (const auto& [key, value] : other.values)
        values.emplace(key, value);
    names_child = names_child || kind == Kind::child_birthday;
    merged += (merged.empty() ? "" : " ") + std::string(id);
}

std::map<std::string, std::string> MessageDraft::params(std::string_view own_template) const {
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : values) {
        if (!value.empty()) out.emplace(key, value);
    }
    if (template_name != own_template) out["template"] = template_name;
    if (!merged.empty()) out["merged"] = merged;
    return out;
}

}  // namespace huitou
