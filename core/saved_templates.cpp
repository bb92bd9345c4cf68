#include "core/saved_templates.h"

#include <algorithm>

#include "core/sms_template_check.h"
#include "core/utf8.h"

namespace huitou {

std::string saved_template_field(std::string_view name, Channel channel) {
    return std::string(name) + "." + std::string(to_string(channel));
}

std::optional<std::pair<std::string, Channel>> parse_saved_template_field(std::string_view field) {
    const auto dot = field.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    const auto channel = parse_channel(field.substr(dot + 1));
    if (!channel) return std::nullopt;
    return std::pair{std::string(field.substr(0, dot)), *channel};
}

std::string saved_template_source(std::string_view store, std::string_view name, Channel channel) {
    return "console template " + std::string(store) + "/" + saved_template_field(name, channel);
}

std::vector<std::string> check_saved_template(const Config& config, const StoreConfig& store,
                                              const TemplateSet& base, const SavedTemplate& saved) {
    const std::string source = saved_template_source(store.id, saved.name, saved.channel);
    const auto names = TemplateSet::names_for(config, store, saved.channel);
    if (std::find(names.begin(), names.end(), saved.name) == names.end()) {
        return {source + ": store " + store.id + " sends no template named \"" + saved.name +
                "\" by " + std::string(to_string(saved.channel))};
    }
    if (trim(saved.text).empty()) return {source + ": the template is empty"};
    TemplateSet set = base.for_store(store.id);
    try {
        set.put(store.id, saved.name, saved.channel, saved.text, source);
    } catch (const ConfigError& e) {
        return {e.what()};
    }
    if (saved.channel != Channel::sms) return {};
    return check_sms_template(config, store, set, saved.name);
}

AppliedTemplates apply_saved_templates(const Config& config, const StoreConfig& store,
                                       const TemplateSet& base,
                                       const std::vector<SavedTemplate>& saved) {
    AppliedTemplates out{base.for_store(store.id), {}};
    for (const auto& s : saved) {
        auto problems = check_saved_template(config, store, base, s);
        if (problems.empty()) {
            out.templates.put(store.id, s.name, s.channel, s.text,
                              saved_template_source(store.id, s.name, s.channel));
        } else {
            out.problems.insert(out.problems.end(), problems.begin(), problems.end());
        }
    }
    return out;
}

}  // namespace huitou
