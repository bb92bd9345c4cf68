#include "core/message_template.h"

#include <algorithm>

#include <kainjow/mustache.hpp>

#include "core/embedded_files.h"
#include "core/utf8.h"

namespace huitou {

struct TemplateSet::Compiled {
    std::string source;  // where it came from
    // kainjow's render is not const though it only reads the template.
    mutable kainjow::mustache::mustache mustache;
};

namespace {

const TemplateVariable* find_variable(std::string_view name) {
    for (const auto& v : template_variables()) {
        if (v.name == name) return &v;
    }
    return nullptr;
}

std::string key_for(std::string_view store, Kind kind, Channel channel) {
    return std::string(store) + "|" + std::string(to_string(kind)) + "|" +
           std::string(to_string(channel));
}

}  // namespace

const std::vector<TemplateVariable>& template_variables() {
    static const std::vector<TemplateVariable> variables{
        {"honorific", false, "尊敬的会员"},  // 王女士 / 李先生 / full name
        {"name", false, "尊敬的会员"},       // the member's full name
        {"store", false, "本店"},            // the store's name
        {"tier", true, ""},                  // the member's tier (金卡)
        {"age", true, ""},                   // the age turned, when the birth year is known
        {"followup", true, ""},              // win-back: set on a follow-up, not the first reminder
    };
    return variables;
}

std::string TemplateSet::check(std::string_view text) {
    if (!is_valid_utf8(text)) return "not valid UTF-8";
    std::vector<std::string> sections;
    std::size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        const bool triple = text.substr(pos).starts_with("{{{");
        const std::size_t open = pos + (triple ? 3 : 2);
        const std::size_t close = text.find(triple ? "}}}" : "}}", open);
        if (close == std::string_view::npos) return "a tag opened with {{ is not closed";
        std::string_view tag = trim(text.substr(open, close - open));
        pos = close + (triple ? 3 : 2);
        if (tag.empty()) return "an empty tag {{}}";
        const char sigil = tag.front();
        if (sigil == '!') continue;  // comment
        if (sigil == '>') return "partials ({{>...}}) are not supported";
        if (sigil == '=') return "changing delimiters ({{=...=}}) is not supported";
        const bool is_section = sigil == '#' || sigil == '^' || sigil == '/';
        if (is_section || sigil == '&') tag = trim(tag.substr(1));
        const auto* variable = find_variable(tag);
        if (!variable) {
            std::string known;
            for (const auto& v : template_variables()) {
                known += known.empty() ? "" : ", ";
                known += v.name;
            }
            return "unknown tag {{" + std::string(tag) + "}} (known: " + known + ")";
        }
        if (sigil == '#' || sigil == '^') {
            sections.emplace_back(tag);
        } else if (sigil == '/') {
            if (sections.empty() || sections.back() != tag) {
                return "{{/" + std::string(tag) + "}} closes a section that is not open";
            }
            sections.pop_back();
        } else if (variable->optional &&
                   std::find(sections.begin(), sections.end(), tag) == sections.end()) {
            return "{{" + std::string(tag) + "}} may be empty: use it inside {{#" +
                   std::string(tag) + "}}...{{/" + std::string(tag) + "}}";
        }
    }
    if (!sections.empty()) return "section {{#" + sections.back() + "}} is not closed";
    kainjow::mustache::mustache probe{std::string(text)};
    if (!probe.is_valid()) return probe.error_message();
    return {};
}

TemplateSet TemplateSet::load(const Config& config, const FileReader& read_configured) {
    TemplateSet set;
    // Compiled templates are shared between the keys that resolve to one file.
    std::map<std::string, std::shared_ptr<Compiled>> by_path;
    auto load_path = [&](const std::string& path) -> std::shared_ptr<Compiled> {
        if (const auto it = by_path.find(path); it != by_path.end()) return it->second;
        std::optional<std::string> text;
        std::string source;
        if (read_configured) {
            text = read_configured(path);
            source = config.template_dir + "/" + path;
        }
        if (!text) {
            if (const auto embedded = embedded_file("templates/" + path)) {
                text = std::string(*embedded);
                source = "templates/" + path + " (embedded)";
            }
        }
        std::shared_ptr<Compiled> compiled;
        if (text) {
            if (const auto problem = check(*text); !problem.empty()) {
                throw ConfigError(source + ": " + problem);
            }
            compiled =
                std::make_shared<Compiled>(Compiled{source, kainjow::mustache::mustache{*text}});
            compiled->mustache.set_custom_escape([](const std::string& s) { return s; });
        }
        by_path.emplace(path, compiled);
        return compiled;
    };
    const std::vector<Kind> kinds{Kind::birthday, Kind::child_birthday, Kind::festival,
                                  Kind::card_expiry, Kind::winback};
    for (const auto& [store_id, store] : config.stores) {
        for (const Kind kind : kinds) {
            for (const Channel channel : {Channel::sms, Channel::wechat}) {
                const std::string k(to_string(kind));
                const std::string c(to_string(channel));
                const std::string base = config.locale + "/";
                // Most specific first.
                for (const std::string& path :
                     {base + store_id + "/" + k + "." + c + ".mustache",
                      base + store_id + "/" + k + ".mustache", base + k + "." + c + ".mustache",
                      base + k + ".mustache"}) {
                    if (auto compiled = load_path(path)) {
                        set.templates_.emplace(key_for(store_id, kind, channel), compiled);
                        break;
                    }
                }
            }
        }
    }
    return set;
}

const TemplateSet::Compiled* TemplateSet::find(std::string_view store, Kind kind,
                                               Channel channel) const {
    const auto it = templates_.find(key_for(store, kind, channel));
    return it == templates_.end() ? nullptr : it->second.get();
}

bool TemplateSet::has(std::string_view store, Kind kind, Channel channel) const {
    return find(store, kind, channel) != nullptr;
}

std::string TemplateSet::source(std::string_view store, Kind kind, Channel channel) const {
    const auto* c = find(store, kind, channel);
    return c ? c->source : std::string{};
}

std::optional<std::string> TemplateSet::render(std::string_view store, Kind kind, Channel channel,
                                               const TemplateValues& values) const {
    const auto* compiled = find(store, kind, channel);
    if (!compiled) return std::nullopt;
    kainjow::mustache::data context;
    for (const auto& variable : template_variables()) {
        const auto it = values.find(variable.name);
        const bool present = it != values.end() && !trim(it->second).empty();
        if (present)
            context.set(std::string(variable.name), std::string(trim(it->second)));
        else if (!variable.optional) {
            context.set(std::string(variable.name), std::string(variable.fallback));
        }
    }
    const std::string text = compiled->mustache.render(context);
    return std::string(trim(text));
}

}  // namespace huitou
