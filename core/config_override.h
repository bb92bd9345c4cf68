// config_override.h — "--set key.path=value": one config key changed from
// the command line, without editing the file.
//
// An override is applied to the parsed TOML document before anything is
// checked, so it is held to the same rules as the file: a typo in the key is
// an unknown key, a bad value fails like one written in the file. The value
// is read as a TOML value when it is one (5, true, ["sms"]) and as a string
// otherwise (tcp://127.0.0.1:7301), so a URL needs no quotes in a shell.
#pragma once

#include <string>
#include <string_view>

namespace huitou {

// A "--set key.path=value" override.
struct ConfigOverride {
    std::string key;  // dotted: "endpoints.sms"
    std::string value;
};

// Parses `text` "key.path=value" into an override; throws ConfigError.
ConfigOverride parse_override(std::string_view text);

namespace config_detail {
struct Document;  // core/toml_walker.h, internal to the core

// Sets `o.key` in `doc`, making the tables on its path that are missing.
// Throws ConfigError when a part of the path is a value, not a table.
void apply_override(Document& doc, const ConfigOverride& o);
}  // namespace config_detail

}  // namespace huitou
