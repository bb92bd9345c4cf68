#include "core/config_override.h"

#include "core/toml_walker.h"

namespace huitou {

ConfigOverride parse_override(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        throw ConfigError("--set " + std::string(text) + ": expected key.path=value");
    }
    return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

namespace config_detail {

void apply_override(Document& doc, const ConfigOverride& o) {
    toml::table* table = &doc.root;
    std::string_view key = o.key;
    std::size_t dot;
    while ((dot = key.find('.')) != std::string_view::npos) {
        const std::string part(key.substr(0, dot));
        key.remove_prefix(dot + 1);
        auto* node = table->get(part);
        if (!node) {
            table->insert(part, toml::table{});
            node = table->get(part);
        }
        table = node->as_table();
        if (!table) throw ConfigError("--set " + o.key + ": " + part + " is not a table");
    }
    if (key.empty()) throw ConfigError("--set " + o.key + ": empty key");
    // A TOML value if it parses as one, else the text as a string.
    try {
        auto parsed = toml::parse("v = " + o.value);
        if (auto* node = parsed.get("v")) {
            table->insert_or_assign(std::string(key), std::move(*node));
            return;
        }
    } catch (const toml::parse_error&) {
    }
    table->insert_or_assign(std::string(key), o.value);
}

}  // namespace config_detail

}  // namespace huitou
