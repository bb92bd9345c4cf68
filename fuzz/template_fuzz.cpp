// Fuzzes template checking and rendering. The input's first part (up to a NUL
// byte) is a template; the rest is the member's name. A template that passes
// the load-time check must render without crashing, and a name never becomes
// template syntax: rendering with the name "{{store}}" keeps it literal.
// A template that passes the check must load: a ConfigError here ends the run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/message_template.h"

namespace {
const huitou::Config& config() {
    static const huitou::Config c = huitou::parse_config("[stores.s]\nname = \"店\"\n", "fuzz");
    return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const std::string text = input.substr(0, nul);
    const std::string name = nul == std::string::npos ? "" : input.substr(nul + 1);
    // Checked as load checks it: as a birthday template (a {{child_name}} is
    // fine in some template, but not in this one).
    if (!huitou::TemplateSet::check(text, huitou::Kind::birthday).empty()) return 0;
    const auto set = huitou::TemplateSet::load(
        config(), [&](const std::string& path) -> std::optional<std::string> {
            if (path == "zh-CN/birthday.mustache") return text;
            return std::nullopt;
        });
    const auto rendered = set.render("s", huitou::Kind::birthday, huitou::Channel::sms,
                                     {{"name", name}, {"honorific", name}, {"tier", name}});
    if (!rendered) __builtin_trap();
    return 0;
}
