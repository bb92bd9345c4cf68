#include "core/message_template.h"

#include <algorithm>

#include <kainjow/mustache.hpp>

#include "core/announcement.h"
#include "core/delivery_policy.h"
#include "core/embedded_files.h"
#include "core/utf8.h"

namespace huitou {

struct TemplateSet::Compiled {
    std::string source;  // where it came from
    std::string text;    // as written
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

std::string key_for(std::string_view store, std::string_view name, Channel channel) {
    return std::string(store) + "|" + std::string(name) + "|" + std::string(to_string(channel));
}

}  // namespace

const std::vector<TemplateVariable>& template_variables() {
    using enum Kind;
    static const std::vector<TemplateVariable> variables{
        {"honorific", false, "尊敬的会员", {}},  // 王女士 / 李先生 / full name
        {"name", false, "尊敬的会员", {}},       // the member's full name
        {"store", false, "本店", {}},            // the store's name
        {"tier", true, "", {}},                  // the member's tier (金卡)
        {"age", true, "", {birthday}},           // the age turned, when the birth year is known
        // days from the message to the occasion, when it goes early (lead days)
        {"days_until", true, "", {birthday, child_birthday, festival}},
        {"child_name", false, "宝贝", {child_birthday}},
        {"child_age", true, "", {child_birthday}},       // the age the child turns
        {"festival", false, "节日", {festival}},         // the festival's name: 中秋节
        {"card_expires", false, "近期", {card_expiry}},  // 2027年9月22日
        {"days_left", true, "", {card_expiry}},          // days until it expires; 0 on the day
        {"followup", true, "", {winback}},  // win-back: set on a follow-up, not the first reminder
        {"points", false, "部分", {points}},         // the points about to lapse: 1200
        {"points_expire", false, "近期", {points}},  // their last day: 2027年9月22日
        {"tags", false, "新品", {announcement}},  // the announcement's tags she has: 历史小说、乐高
    };
    return variables;
}

std::optional<Kind> TemplateSet::kind_of(std::string_view name) {
    return parse_kind(name.substr(0, name.find('.')));
}

std::vector<Kind> TemplateSet::kinds_of(std::string_view name) {
    std::vector<Kind> kinds;
    while (true) {
        const auto plus = name.find('+');
        const auto part = name.substr(0, plus);
        const auto kind = kind_of(part);
        if (!kind) return {};
        kinds.push_back(*kind);
        if (plus == std::string_view::npos) return kinds;
        name.remove_prefix(plus + 1);
    }
}

std::string TemplateSet::check(std::string_view text, std::optional<Kind> kind) {
    return check(text, kind ? std::vector<Kind>{*kind} : std::vector<Kind>{});
}

std::string TemplateSet::check(std::string_view text, const std::vector<Kind>& kinds) {
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
        const bool has_value = kinds.empty() || variable->kinds.empty() ||
                               std::any_of(kinds.begin(), kinds.end(), [&](Kind k) {
                                   return std::find(variable->kinds.begin(), variable->kinds.end(),
                                                    k) != variable->kinds.end();
                               });
        if (!has_value) {
            std::string names;
            for (const Kind k : kinds)
                names += (names.empty() ? "" : "+") + std::string(to_string(k));
            return "{{" + std::string(tag) + "}} has no value in a " + names + " template";
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
            // The file name after the locale (and store) directory names the template.
            std::string_view file = path;
            file.remove_prefix(file.rfind('/') + 1);
            const auto dot = file.rfind(".mustache");
            std::string_view name = file.substr(0, dot);
            // "birthday.wechat" → "birthday"; "festival.mid_autumn" stays.
            for (const std::string_view c : {".sms", ".wechat"}) {
                if (name.ends_with(c)) name.remove_suffix(c.size());
            }
            const auto kinds = kinds_of(name);
            if (const auto problem = check(*text, kinds.empty() ? std::vector<Kind>{} : kinds);
                !problem.empty()) {
                throw ConfigError(source + ": " + problem);
            }
            compiled = std::make_shared<Compiled>(
                Compiled{source, *text, kainjow::mustache::mustache{*text}});
            compiled->mustache.set_custom_escape([](const std::string& s) { return s; });
        }
        by_path.emplace(path, compiled);
        return compiled;
    };
    for (const auto& [store_id, store] : config.stores) {
        for (const Channel channel : {Channel::sms, Channel::wechat}) {
            const std::string c(to_string(channel));
            const std::string base = config.locale + "/";
            for (const auto& name : names_for(config, store, channel)) {
                const std::string key = key_for(store_id, name, channel);
                if (set.templates_.contains(key)) continue;
                // Most specific first.
                for (const std::string& path :
                     {base + store_id + "/" + name + "." + c + ".mustache",
                      base + store_id + "/" + name + ".mustache",
                      base + name + "." + c + ".mustache", base + name + ".mustache"}) {
                    if (auto compiled = load_path(path)) {
                        set.templates_.emplace(key, compiled);
                        break;
                    }
                }
            }
            // A kind may have no template (the planner says no_template); a
            // festival's own template must exist.
            for (const Festival* f : config.festivals_of(store)) {
                if (!set.templates_.contains(key_for(store_id, f->template_name, channel))) {
                    throw ConfigError("stores." + store_id + ": festival " + f->key +
                                      ": no template " + base + f->template_name + ".mustache");
                }
            }
        }
    }
    return set;
}

std::vector<std::string> TemplateSet::names_for(const Config& config, const StoreConfig& store,
                                                Channel channel) {
    std::vector<std::string> names;
    auto add = [&](std::string name) {
        if (std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(std::move(name));
    };
    for (const Kind kind : all_kinds())
        add(std::string(to_string(kind)));
    for (const Festival* f : config.festivals_of(store))
        add(f->template_name);
    for (const auto& variant : announcement_variants())
        add(announcement_template(variant));
    // A provider that sends registered templates can only send the merges
    // registered with it.
    const auto& provider = channel == Channel::sms ? config.sms : config.wechat;
    for (const auto& [winner, merged] : merge_pairs()) {
        const auto name = merge_template_name(winner, merged);
        if (provider.sends_template(name)) add(name);
    }
    return names;
}

void TemplateSet::put(std::string_view store, std::string_view name, Channel channel,
                      std::string_view text, std::string source) {
    const auto kinds = kinds_of(name);
    if (const auto problem = check(text, kinds); !problem.empty())
        throw ConfigError(source + ": " + problem);
    auto compiled = std::make_shared<Compiled>(Compiled{
        std::move(source), std::string(text), kainjow::mustache::mustache{std::string(text)}});
    compiled->mustache.set_custom_escape([](const std::string& s) { return s; });
    templates_.insert_or_assign(key_for(store, name, channel), std::move(compiled));
}

TemplateSet TemplateSet::for_store(std::string_view store) const {
    TemplateSet set;
    const std::string prefix = std::string(store) + "|";
    for (auto it = templates_.lower_bound(prefix);
         it != templates_.end() && it->first.starts_with(prefix); ++it)
        set.templates_.insert(*it);
    return set;
}

const TemplateSet::Compiled* TemplateSet::find(std::string_view store, std::string_view name,
                                               Channel channel) const {
    const auto it = templates_.find(key_for(store, name, channel));
    return it == templates_.end() ? nullptr : it->second.get();
}

bool TemplateSet::has(std::string_view store, Kind kind, Channel channel) const {
    return has(store, to_string(kind), channel);
}

bool TemplateSet::has(std::string_view store, std::string_view name, Channel channel) const {
    return find(store, name, channel) != nullptr;
}

std::string TemplateSet::text(std::string_view store, std::string_view name,
                              Channel channel) const {
    const auto* c = find(store, name, channel);
    return c ? c->text : std::string{};
}

std::string TemplateSet::source(std::string_view store, Kind kind, Channel channel) const {
    return source(store, to_string(kind), channel);
}

std::string TemplateSet::source(std::string_view store, std::string_view name,
                                Channel channel) const {
    const auto* c = find(store, name, channel);
    return c ? c->source : std::string{};
}

std::optional<std::string> TemplateSet::render(std::string_view store, Kind kind, Channel channel,
                                               const TemplateValues& values) const {
    return render(store, to_string(kind), channel, values);
}

std::optional<std::string> TemplateSet::render(std::string_view store, std::string_view name,
                                               Channel channel,
                                               const TemplateValues& values) const {
    const auto* compiled = find(store, name, channel);
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
