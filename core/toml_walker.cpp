#include "core/toml_walker.h"

#include "core/civil_time.h"

namespace huitou::config_detail {
namespace {

// A secret written into the file itself is refused: config files get copied,
// committed and pasted into tickets.
void used_secret_value(Table& t, const std::string& name) {
    if (t.raw().contains(name))
        t.fail(name,
               "secrets are not read from the config: use " + name + "_file or " + name + "_env");
}

}  // namespace

Document parse_document(std::string_view text, const std::string& origin) {
    Document doc;
    try {
        doc.root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        throw ConfigError(origin + ":" + std::to_string(where.line) + ":" +
                          std::to_string(where.column) + ": " + std::string(e.description()));
    }
    return doc;
}

long long checked_integer(Table& t, std::string_view key, const toml::node& node, long long lo,
                          long long hi) {
    const auto v = node.value_exact<int64_t>();
    if (!v) t.fail(key, "expected an integer");
    if (*v < lo || *v > hi) {
        t.fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                        ", got " + std::to_string(*v));
    }
    return *v;
}

std::chrono::seconds seconds_in(Table& t, std::string_view key, long long lo, long long hi,
                                std::chrono::seconds dflt) {
    return std::chrono::seconds(integer_in(t, key, lo, hi, dflt.count()));
}

std::chrono::seconds time_of_day(Table& t, std::string_view key, std::chrono::seconds dflt) {
    const auto v = t.string(key);
    if (!v) return dflt;
    const auto parsed = parse_time_of_day(*v);
    if (!parsed) t.fail(key, "expected a time of day \"HH:MM\", got \"" + *v + "\"");
    return *parsed;
}

std::vector<Channel> channel_list(Table& t, std::string_view key, std::vector<Channel> dflt) {
    const auto* a = t.array(key);
    if (!a) return dflt;
    std::vector<Channel> out;
    for (const auto& node : *a) {
        const auto s = node.value<std::string>();
        const auto c = s ? parse_channel(*s) : std::nullopt;
        if (!c) t.fail(key, "expected channel names \"wechat\" or \"sms\"");
        out.push_back(*c);
    }
    return out;
}

std::vector<std::string> string_list(Table& t, std::string_view key,
                                     std::vector<std::string> dflt) {
    const auto* a = t.array(key);
    if (!a) return dflt;
    std::vector<std::string> out;
    for (const auto& node : *a) {
        const auto v = node.value<std::string>();
        if (!v) t.fail(key, "expected an array of strings");
        out.push_back(*v);
    }
    return out;
}

SecretRef secret(Table& t, std::string_view name) {
    SecretRef ref;
    const std::string base(name);
    if (auto v = t.string(base + "_file")) ref.file = *v;
    if (auto v = t.string(base + "_env")) ref.env = *v;
    if (!ref.file.empty() && !ref.env.empty())
        t.fail(base + "_file", "give " + base + "_file or " + base + "_env, not both");
    used_secret_value(t, base);
    return ref;
}

std::string kind_list() {
    std::string out;
    for (const Kind k : all_kinds())
        out += (out.empty() ? "" : ", ") + std::string(to_string(k));
    return out;
}

}  // namespace huitou::config_detail
