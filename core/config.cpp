#include "core/config.h"

#include <charconv>
#include <set>

#include <toml++/toml.h>

#include "core/civil_time.h"
#include "core/embedded_files.h"

namespace huitou {
namespace {

// Walks one TOML table, remembering which keys were read, so that anything
// left over is reported as unknown — the typo check.
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
    std::optional<long long> integer(std::string_view key) {
        return get<int64_t>(key, "an integer");
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

long long positive_integer(Table& t, std::string_view key, long long dflt) {
    const auto v = t.integer(key);
    if (!v) return dflt;
    if (*v <= 0) t.fail(key, "must be positive");
    return *v;
}

std::chrono::seconds positive_seconds(Table& t, std::string_view key, std::chrono::seconds dflt) {
    return std::chrono::seconds(positive_integer(t, key, dflt.count()));
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

int bounded_integer(Table& t, std::string_view key, int dflt, int low, int high) {
    const auto v = t.integer(key);
    if (!v) return dflt;
    if (*v < low || *v > high) {
        t.fail(key, "must be between " + std::to_string(low) + " and " + std::to_string(high));
    }
    return static_cast<int>(*v);
}

// [winback] of a store or of [store_defaults]; keys it lacks keep `w`'s values.
void read_winback(Table& t, WinbackConfig& w) {
    if (auto v = t.get<bool>("enabled", "true or false")) w.enabled = *v;
    w.min_visits = bounded_integer(t, "min_visits", w.min_visits, 2, 100);
    w.recent_intervals = bounded_integer(t, "recent_intervals", w.recent_intervals, 1, 100);
    if (auto v = t.get<double>("factor", "a number")) {
        if (*v < 1.0 || *v > 10.0) t.fail("factor", "must be between 1.0 and 10.0");
        w.factor = *v;
    }
    w.floor_days = bounded_integer(t, "floor_days", w.floor_days, 1, 3650);
    w.default_cycle_days = bounded_integer(t, "default_cycle_days", w.default_cycle_days, 1, 3650);
    if (auto tiers = t.table("tier_cycle_days")) {
        w.tier_cycle_days.clear();
        for (const auto& [tier, node] : tiers->raw()) {
            w.tier_cycle_days[std::string(tier.str())] =
                bounded_integer(*tiers, tier.str(), 0, 1, 3650);
        }
    }
    if (const auto* a = t.array("followup_days")) {
        w.followup_days.clear();
        for (const auto& node : *a) {
            const auto days = node.value<int64_t>();
            if (!days || *days < 2 || *days > 3650) {
                t.fail("followup_days", "expected whole numbers of days, each at least 2");
            }
            if (!w.followup_days.empty() && *days < w.followup_days.back()) {
                t.fail("followup_days", "gaps must grow: each at least the one before");
            }
            w.followup_days.push_back(static_cast<int>(*days));
        }
        if (w.followup_days.size() > 5) t.fail("followup_days", "at most 5 follow-ups");
    }
    w.churn_days = bounded_integer(t, "churn_days", w.churn_days, 1, 3650);
    w.max_absence_days = bounded_integer(t, "max_absence_days", w.max_absence_days, 1, 36500);
    w.recheck_days = bounded_integer(t, "recheck_days", w.recheck_days, 1, 3650);
    w.history = bounded_integer(t, "history", w.history, 2, 200);
    if (w.history < w.min_visits || w.history < w.recent_intervals + 1) {
        t.fail("history", "must be at least min_visits and recent_intervals + 1");
    }
    t.reject_unknown();
}

void read_store_settings(Table& t, StoreConfig& s) {
    if (auto zone = t.string("timezone")) {
        s.zone_name = *zone;
        if (!find_zone(*zone)) t.fail("timezone", "unknown time zone \"" + *zone + "\"");
    }
    s.channels = channel_list(t, "channels", s.channels);
    s.send_time = time_of_day(t, "send_time", s.send_time);
    if (auto w = t.table("winback")) read_winback(*w, s.winback);
}

ProviderConfig read_provider(Table& root, std::string_view key, ProviderConfig dflt) {
    auto t = root.table(key);
    if (!t) return dflt;
    ProviderConfig p = dflt;
    if (auto v = t->string("provider")) {
        if (*v != "outbox") t->fail("provider", "unknown provider \"" + *v + "\" (known: outbox)");
        p.provider = *v;
    }
    if (auto v = t->string("outbox_path")) p.outbox_path = *v;
    t->reject_unknown();
    return p;
}

void apply_override(toml::table& doc, const ConfigOverride& o) {
    toml::table* table = &doc;
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

}  // namespace

ConfigOverride parse_override(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        throw ConfigError("--set " + std::string(text) + ": expected key.path=value");
    }
    return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const auto port_text = text.substr(colon + 1);
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 0 ||
        port > 65535 || port_text.empty()) {
        return std::nullopt;
    }
    return ListenAddress{std::string(text.substr(0, colon)), port};
}

const StoreConfig* Config::find_store(std::string_view id) const {
    const auto it = stores.find(id);
    return it == stores.end() ? nullptr : &it->second;
}

std::string_view default_config_text() {
    const auto text = embedded_file("config/huitou.toml");
    return text ? *text : std::string_view{};
}

Config parse_config(std::string_view toml_text, std::string origin,
                    const std::vector<ConfigOverride>& overrides) {
    Config c;
    c.origin = std::move(origin);
    toml::table doc;
    try {
        doc = toml::parse(toml_text, c.origin);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        throw ConfigError(c.origin + ":" + std::to_string(where.line) + ":" +
                          std::to_string(where.column) + ": " + std::string(e.description()));
    }
    for (const auto& o : overrides)
        apply_override(doc, o);
    Table root(doc, "", c.origin);

    if (auto t = root.table("redis")) {
        if (auto v = t->string("url")) c.redis_url = *v;
        t->reject_unknown();
    }
    if (auto t = root.table("endpoints")) {
        if (auto v = t->string("sms")) c.endpoints.sms = *v;
        if (auto v = t->string("wechat")) c.endpoints.wechat = *v;
        if (auto v = t->string("results")) c.endpoints.results = *v;
        if (auto v = t->string("visits")) c.endpoints.visits = *v;
        t->reject_unknown();
    }
    if (auto t = root.table("admin")) {
        if (auto v = t->string("listen")) {
            if (!v->empty() && !parse_listen_address(*v)) {
                t->fail("listen", "expected host:port (e.g. 127.0.0.1:7380), got \"" + *v + "\"");
            }
            c.admin.listen = *v;
        }
        if (auto v = t->string("token")) c.admin.token = *v;
        t->reject_unknown();
    }
    if (auto t = root.table("scheduler")) {
        auto& s = c.scheduler;
        s.ack_timeout = positive_seconds(*t, "ack_timeout_seconds", s.ack_timeout);
        s.once_wait = positive_seconds(*t, "once_wait_seconds", s.once_wait);
        s.retry_delay = positive_seconds(*t, "retry_delay_seconds", s.retry_delay);
        s.dispatch_batch =
            static_cast<int>(positive_integer(*t, "dispatch_batch", s.dispatch_batch));
        s.max_attempts = static_cast<int>(positive_integer(*t, "max_attempts", s.max_attempts));
        s.job_retention = std::chrono::days(positive_integer(*t, "job_retention_days", 35));
        t->reject_unknown();
    }
    if (auto t = root.table("templates")) {
        if (auto v = t->string("dir")) c.template_dir = *v;
        if (auto v = t->string("locale")) c.locale = *v;
        t->reject_unknown();
    }
    // [store_defaults] applies to every store unless the store says otherwise.
    StoreConfig defaults;
    if (auto t = root.table("store_defaults")) {
        read_store_settings(*t, defaults);
        t->reject_unknown();
    }
    if (auto stores = root.table("stores")) {
        for (const auto& [key, node] : stores->raw()) {
            const std::string id(key.str());
            auto t = stores->table(id);
            if (!is_valid_store_id(id)) {
                stores->fail(id, "a store id may hold only a-z, 0-9, '_' and '-' (at most 32)");
            }
            StoreConfig s = defaults;
            s.id = id;
            const auto name = t->string("name");
            if (!name || name->empty()) t->fail("name", "every store needs a name");
            s.name = *name;
            read_store_settings(*t, s);
            t->reject_unknown();
            s.zone = find_zone(s.zone_name);
            c.stores.emplace(id, std::move(s));
        }
    }
    if (c.stores.empty()) root.fail("stores", "configure at least one store");
    c.sms = read_provider(root, "sms", c.sms);
    c.wechat = read_provider(root, "wechat", c.wechat);
    root.reject_unknown();
    return c;
}

}  // namespace huitou
