#include "core/config.h"

#include <charconv>

#include "core/civil_time.h"
#include "core/embedded_files.h"
#include "core/store_shards.h"
#include "core/toml_walker.h"

namespace huitou {

// The walker and the tables' readers (each in its own file, next to its settings).
using config_detail::apply_override;
using config_detail::channel_list;
using config_detail::integer_in;
using config_detail::parse_document;
using config_detail::read_care;
using config_detail::read_effect;
using config_detail::read_policy;
using config_detail::read_provider;
using config_detail::read_segments;
using config_detail::read_store_occasions;
using config_detail::read_winback;
using config_detail::seconds_in;
using config_detail::secret;
using config_detail::string_list;
using config_detail::Table;
using config_detail::time_of_day;

namespace {

// A store's settings (or [store_defaults]): zone, channels, send time, SMS
// text, and its [winback], [policy] and [effect] tables.
void read_store_settings(Table& t, StoreConfig& s) {
    if (auto zone = t.string("timezone")) {
        s.zone_name = *zone;
        if (!find_zone(*zone)) t.fail("timezone", "unknown time zone \"" + *zone + "\"");
    }
    s.channels = channel_list(t, "channels", s.channels);
    s.send_time = time_of_day(t, "send_time", s.send_time);
    if (auto w = t.table("winback")) read_winback(*w, s.winback);
    if (auto p = t.table("policy")) read_policy(*p, s.policy);
    if (auto e = t.table("effect")) read_effect(*e, s.effect);
    if (auto v = t.table("segments")) read_segments(*v, s.segments);
    if (auto v = t.table("care")) read_care(*v, s.care);
    if (auto v = t.string("sms_signature")) {
        if (v->empty() || v->find("【") != std::string::npos || v->find("】") != std::string::npos)
            t.fail("sms_signature", "the bare name, without 【】, not empty");
        s.sms_signature = *v;
    }
    if (auto v = t.string("sms_unsubscribe")) s.sms_unsubscribe = *v;
    s.sms_max_parts = integer_in(t, "sms_max_parts", 1, 10, s.sms_max_parts);
    if (auto v = t.string("sms_from")) s.sms_from = *v;
    if (auto v = t.get<bool>("approve_before_send", "true or false")) s.approve_before_send = *v;
    if (auto v = t.get<bool>("welcome", "true or false")) s.welcome = *v;
}

std::vector<Festival> load_holidays(const Config& c, const ConfigFileReader& read_file) {
    if (c.holidays_file.empty()) {
        return parse_holidays(default_holidays_text(), "holidays.toml (embedded)");
    }
    const auto text = read_file ? read_file(c.holidays_file) : std::nullopt;
    if (!text) {
        throw ConfigError(c.origin + ": calendar.holidays_file: cannot read \"" + c.holidays_file +
                          "\"");
    }
    return parse_holidays(*text, c.holidays_file);
}

}  // namespace

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

const Festival* Config::find_festival(std::string_view key) const {
    for (const auto& f : festivals) {
        if (f.key == key) return &f;
    }
    return nullptr;
}

std::vector<const Festival*> Config::festivals_of(const StoreConfig& store) const {
    std::vector<const Festival*> out;
    for (const auto& key : store.festivals) {
        if (const auto* f = find_festival(key)) out.push_back(f);
    }
    return out;
}

std::string_view default_config_text() {
    const auto text = embedded_file("config/huitou.toml");
    return text ? *text : std::string_view{};
}

Config parse_config(std::string_view toml_text, std::string origin,
                    const std::vector<ConfigOverride>& overrides,
                    const ConfigFileReader& read_file) {
    Config c;
    c.origin = std::move(origin);
    auto doc = parse_document(toml_text, c.origin);
    for (const auto& o : overrides)
        apply_override(doc, o);
    Table root(doc.root, "", c.origin);

    if (auto t = root.table("redis")) {
        if (auto v = t->string("url")) c.redis_url = *v;
        c.replica_wait.replicas = integer_in(*t, "wait_replicas", 0, 16, c.replica_wait.replicas);
        c.replica_wait.timeout = std::chrono::milliseconds(integer_in(
            *t, "wait_timeout_ms", 1, 4'000, static_cast<int>(c.replica_wait.timeout.count())));
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
        // `token = ""` (the old default) holds no secret and means none.
        if (auto v = t->string("token"); v && !v->empty()) {
            t->fail("token",
                    "the admin token is not read from the config: use admin.token_file, "
                    "admin.token_env or the environment variable HUITOU_ADMIN_TOKEN");
        }
        if (auto v = t->string("token_file")) c.admin.token.file = *v;
        if (auto v = t->string("token_env")) c.admin.token.env = *v;
        if (!c.admin.token.file.empty() && !c.admin.token.env.empty())
            t->fail("token_file", "give token_file or token_env, not both");
        c.admin.api_requests_per_second =
            integer_in(*t, "api_requests_per_second", 1, 1000000, c.admin.api_requests_per_second);
        c.admin.api_burst = integer_in(*t, "api_burst", 0, 1000000, c.admin.api_burst);
        t->reject_unknown();
    }
    if (auto t = root.table("curve")) {
        auto& k = c.curve;
        const auto z85_key = [&](const std::string& name, std::string& out) {
            if (auto v = t->string(name)) {
                if (!v->empty() && v->size() != 40)
                    t->fail(name, "expected a Z85 key of 40 characters (huitou keygen)");
                out = *v;
            }
        };
        z85_key("server_public_key", k.server_public_key);
        z85_key("client_public_key", k.client_public_key);
        k.server_secret_key = secret(*t, "server_secret_key");
        k.client_secret_key = secret(*t, "client_secret_key");
        k.allowed_clients = string_list(*t, "allowed_clients", {});
        for (const auto& key : k.allowed_clients) {
            if (key.size() != 40)
                t->fail("allowed_clients", "expected Z85 public keys of 40 characters");
        }
        t->reject_unknown();
    }
    if (auto t = root.table("scheduler")) {
        auto& s = c.scheduler;
        s.ack_timeout = seconds_in(*t, "ack_timeout_seconds", 1, 86400, s.ack_timeout);
        s.once_wait = seconds_in(*t, "once_wait_seconds", 1, 3600, s.once_wait);
        s.retry_delay = seconds_in(*t, "retry_delay_seconds", 1, 86400, s.retry_delay);
        s.dispatch_batch = integer_in(*t, "dispatch_batch", 1, 10'000, s.dispatch_batch);
        s.plan_batch = integer_in(*t, "plan_batch", 1, 10'000, s.plan_batch);
        s.max_in_flight = integer_in(*t, "max_in_flight", 1, 1'000'000, s.max_in_flight);
        s.max_attempts = integer_in(*t, "max_attempts", 1, 100, s.max_attempts);
        s.job_retention = std::chrono::days(integer_in(*t, "job_retention_days", 1, 3650, 35));
        s.lease = seconds_in(*t, "lease_seconds", 1, 3600,
                             std::chrono::duration_cast<std::chrono::seconds>(s.lease));
        if (auto v = t->string("job_storage")) {
            if (*v == "hashes")
                s.job_storage = JobStorage::hashes;
            else if (*v == "sheets")
                s.job_storage = JobStorage::sheets;
            else
                t->fail("job_storage", "expected \"hashes\" or \"sheets\", got \"" + *v + "\"");
        }
        t->reject_unknown();
    }
    if (auto t = root.table("console")) {
        auto& k = c.console;
        k.session.idle = std::chrono::minutes(
            integer_in(*t, "session_idle_minutes", 1, 24 * 60,
                       std::chrono::duration_cast<std::chrono::minutes>(k.session.idle).count()));
        k.session.lifetime = std::chrono::hours(
            integer_in(*t, "session_max_hours", 1, 7 * 24,
                       std::chrono::duration_cast<std::chrono::hours>(k.session.lifetime).count()));
        if (auto v = t->get<bool>("secure_cookies", "true or false")) k.secure_cookies = *v;
        t->reject_unknown();
    }
    if (auto t = root.table("templates")) {
        if (auto v = t->string("dir")) c.template_dir = *v;
        if (auto v = t->string("locale")) c.locale = *v;
        t->reject_unknown();
    }
    if (auto t = root.table("calendar")) {
        if (auto v = t->string("holidays_file")) c.holidays_file = *v;
        t->reject_unknown();
    }
    c.festivals = load_holidays(c, read_file);
    // [store_defaults] applies to every store unless the store says otherwise.
    StoreConfig defaults;
    if (auto t = root.table("store_defaults")) {
        // K is a store's own: one default for every store would be read as
        // a wish to split them all.
        if (t->raw().contains("shards"))
            t->fail("shards", "set per store ([stores.<id>] shards), not for every store");
        read_store_settings(*t, defaults);
        read_store_occasions(*t, defaults, c);
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
            read_store_occasions(*t, s, c);
            s.shards = integer_in(*t, "shards", 1, kMaxShards, s.shards);
            t->reject_unknown();
            if (s.sms_signature.empty()) s.sms_signature = s.name;
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
