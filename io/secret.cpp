#include "io/secret.h"

#include <cstdlib>

#include "io/program_setup.h"

namespace huitou {

namespace {

void trim_end(std::string& value) {
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ' ||
                              value.back() == '\t'))
        value.pop_back();
}

}  // namespace

std::string read_secret(const SecretRef& ref, const std::string& key) {
    std::string value;
    if (!ref.file.empty()) {
        const auto text = read_text_file(ref.file);
        if (!text) throw ConfigError(key + "_file: cannot read " + ref.file);
        value = *text;
    } else if (!ref.env.empty()) {
        const char* v = std::getenv(ref.env.c_str());
        if (!v) throw ConfigError(key + "_env: the environment has no " + ref.env);
        value = v;
    } else {
        throw ConfigError(key + ": configure " + key + "_file or " + key + "_env");
    }
    trim_end(value);
    if (value.empty()) throw ConfigError(key + ": the secret is empty");
    return value;
}

std::string read_optional_secret(const SecretRef& ref, const std::string& key,
                                 const std::string& fallback_env) {
    if (!ref.empty()) return read_secret(ref, key);
    const char* v = std::getenv(fallback_env.c_str());
    if (!v) return {};
    std::string value = v;
    trim_end(value);
    if (value.empty())
        throw ConfigError(fallback_env + ": set but empty; unset it, or give " + key +
                          " a value (" + key + "_file or " + key + "_env)");
    return value;
}

}  // namespace huitou
