// toml_walker.h — how the config loader reads TOML: one table at a time,
// each key checked for type and range as it is read, the keys left over
// reported as unknown.
//
// A Table wraps one toml++ table and remembers the keys read; reject_unknown()
// then names the first key no code asked for — the typo check. The value
// readers below check a key's type and range and fail with one line naming
// the file and the dotted key ("huitou.toml: stores.toyland.sms_max_parts:
// must be between 1 and 10, got 12"). Each table's reader is built from them:
// winback_config.h, policy_config.h, effect_config.h, provider_config.h,
// festival_config.h, and config.cpp, which ties them; config_override.h
// changes the Document before any of them reads it.
//
// Internal to huitou_core: it includes toml++, which the core links
// privately, so only core .cpp files include it; the readers' headers
// forward-declare Table and Document. Nothing here knows a config key.
#pragma once

#include <cassert>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "core/config_error.h"
#include "core/job.h"
#include "core/provider_config.h"

namespace huitou::config_detail {

// A parsed TOML file, whole: the root table that overrides change and Tables walk.
struct Document {
    toml::table root;
};

// Parses `text`; a syntax error throws ConfigError "origin:line:column: what".
Document parse_document(std::string_view text, const std::string& origin);

// Walks one TOML table, remembering which keys were read, so that anything
// left over is reported as unknown — the typo check. Holds references: the
// table and `origin` must outlive it.
class Table {
  public:
    Table(const toml::table& t, std::string path, const std::string& origin)
        : table_(t), path_(std::move(path)), origin_(origin) {}

    [[noreturn]] void fail(std::string_view key, const std::string& what) const {
        throw ConfigError(origin_ + ": " + qualified(key) + ": " + what);
    }

    std::string qualified(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

    template <typename T>
    std::optional<T> get(std::string_view key, std::string_view type_name) {
        used_.insert(std::string(key));
        const auto* node = table_.get(key);
        if (!node) return std::nullopt;
        if (const auto v = node->value<T>()) return *v;
        fail(key, "expected " + std::string(type_name));
    }

    std::optional<std::string> string(std::string_view key) {
        return get<std::string>(key, "a string");
    }

    std::optional<Table> table(std::string_view key) {
        used_.insert(std::string(key));
        const auto* node = table_.get(key);
        if (!node) return std::nullopt;
        const auto* t = node->as_table();
        if (!t) fail(key, "expected a table");
        return Table(*t, qualified(key), origin_);
    }

    const toml::array* array(std::string_view key) {
        used_.insert(std::string(key));
        const auto* node = table_.get(key);
        if (!node) return nullptr;
        const auto* a = node->as_array();
        if (!a) fail(key, "expected an array");
        return a;
    }

    const toml::table& raw() const { return table_; }
    // For keys read through raw(): they are not unknown.
    void mark_read(std::string_view key) { used_.insert(std::string(key)); }

    // Throws on the first key that no code read.
    void reject_unknown() const {
        for (const auto& [key, node] : table_) {
            if (!used_.contains(std::string(key.str()))) fail(key.str(), "unknown key");
        }
    }

  private:
    const toml::table& table_;
    std::string path_;
    const std::string& origin_;
    std::set<std::string> used_;
};

// An integer that must lie in [lo, hi], from `node` (the value of `key`, or
// one element of its array). Every integer read from the config goes through
// here: TOML integers are 64-bit and the fields they land in are smaller, so
// a value is never narrowed unchecked (3000000000 never becomes negative).
long long checked_integer(Table& t, std::string_view key, const toml::node& node, long long lo,
                          long long hi);

// The integer at `key` in [lo, hi], or `dflt` when the key is absent; of
// `dflt`'s type, which [lo, hi] must fit.
template <class Int>
Int integer_in(Table& t, std::string_view key, long long lo, long long hi, Int dflt) {
    static_assert(std::is_integral_v<Int>);
    assert(lo >= std::numeric_limits<Int>::min() && hi <= std::numeric_limits<Int>::max());
    t.mark_read(key);
    const auto* node = t.raw().get(key);
    if (!node) return dflt;
    return static_cast<Int>(checked_integer(t, key, *node, lo, hi));
}

// Whole seconds in [lo, hi].
std::chrono::seconds seconds_in(Table& t, std::string_view key, long long lo, long long hi,
                                std::chrono::seconds dflt);

// A local time of day, "HH:MM", as seconds since midnight; `dflt` when absent.
std::chrono::seconds time_of_day(Table& t, std::string_view key, std::chrono::seconds dflt);

// Channel names, "wechat" or "sms", in the order written; `dflt` when absent.
std::vector<Channel> channel_list(Table& t, std::string_view key, std::vector<Channel> dflt);

// An array of strings; `dflt` when absent.
std::vector<std::string> string_list(Table& t, std::string_view key, std::vector<std::string> dflt);

// "<name>_file" / "<name>_env": where a secret is read from; never the secret
// itself — "<name>" written as a value is refused.
SecretRef secret(Table& t, std::string_view name);

// The kinds' names, "birthday, child_birthday, ...", for "unknown kind" messages.
std::string kind_list();

}  // namespace huitou::config_detail
