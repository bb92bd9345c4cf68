#include "core/config.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <functional>
#include <limits>
#include <set>
#include <type_traits>

#include <toml++/toml.h>

#include "core/civil_time.h"
#include "core/contact_history.h"
#include "core/embedded_files.h"
#include "core/utf8.h"

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
                          long long hi) {
    const auto v = node.value_exact<int64_t>();
    if (!v) t.fail(key, "expected an integer");
    if (*v < lo || *v > hi) {
        t.fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                        ", got " + std::to_string(*v));
    }
    return *v;
}

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

// [winback] of a store or of [store_defaults]; keys it lacks keep `w`'s values.
void read_winback(Table& t, WinbackConfig& w) {
    if (auto v = t.get<bool>("enabled", "true or false")) w.enabled = *v;
    w.min_visits = integer_in(t, "min_visits", 2, 100, w.min_visits);
    w.recent_intervals = integer_in(t, "recent_intervals", 1, 100, w.recent_intervals);
    if (auto v = t.get<double>("factor", "a number")) {
        if (*v < 1.0 || *v > 10.0) t.fail("factor", "must be between 1.0 and 10.0");
        w.factor = *v;
    }
    w.floor_days = integer_in(t, "floor_days", 1, 3650, w.floor_days);
    w.default_cycle_days = integer_in(t, "default_cycle_days", 1, 3650, w.default_cycle_days);
    if (auto tiers = t.table("tier_cycle_days")) {
        w.tier_cycle_days.clear();
        for (const auto& [tier, node] : tiers->raw()) {
            w.tier_cycle_days[std::string(tier.str())] = integer_in(*tiers, tier.str(), 1, 3650, 0);
        }
    }
    if (const auto* a = t.array("followup_days")) {
        w.followup_days.clear();
        for (const auto& node : *a) {
            const int days = static_cast<int>(checked_integer(t, "followup_days", node, 2, 3650));
            if (!w.followup_days.empty() && days < w.followup_days.back()) {
                t.fail("followup_days", "gaps must grow: each at least the one before");
            }
            w.followup_days.push_back(days);
        }
        if (w.followup_days.size() > 5) t.fail("followup_days", "at most 5 follow-ups");
    }
    w.churn_days = integer_in(t, "churn_days", 1, 3650, w.churn_days);
    w.max_absence_days = integer_in(t, "max_absence_days", 1, 36500, w.max_absence_days);
    w.recheck_days = integer_in(t, "recheck_days", 1, 3650, w.recheck_days);
    w.history = integer_in(t, "history", 2, 200, w.history);
    if (w.history < w.min_visits || w.history < w.recent_intervals + 1) {
        t.fail("history", "must be at least min_visits and recent_intervals + 1");
    }
    t.reject_unknown();
}

std::string kind_list();

std::vector<TimeWindow> window_list(Table& t, std::string_view key) {
    const auto* a = t.array(key);
    std::vector<TimeWindow> out;
    for (const auto& node : *a) {
        const auto text = node.value<std::string>();
        if (!text) t.fail(key, "expected windows as strings, \"09:00-12:00\"");
        std::string why;
        const auto w = parse_time_window(*text, &why);
        if (!w) t.fail(key, why);
        out.push_back(*w);
    }
    std::sort(out.begin(), out.end(),
              [](const TimeWindow& a, const TimeWindow& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].begin < out[i - 1].end) {
            t.fail(key, "windows " + format_time_window(out[i - 1]) + " and " +
                            format_time_window(out[i]) + " overlap");
        }
    }
    return out;
}

// [policy] of a store or of [store_defaults]; keys it lacks keep `p`'s values.
void read_policy(Table& t, PolicyConfig& p) {
    if (t.raw().contains("send_windows")) {
        p.windows = window_list(t, "send_windows");
        if (p.windows.empty()) t.fail("send_windows", "a store needs at least one window");
    }
    for (const auto& [key, slot] : {std::pair{"sms_windows", &p.sms_windows},
                                    std::pair{"wechat_windows", &p.wechat_windows}}) {
        if (t.raw().contains(key)) *slot = window_list(t, key);
    }
    p.spread = std::chrono::minutes(integer_in(t, "spread_minutes", 0, 1440, p.spread.count()));
    p.max_per_day = integer_in(t, "max_per_day", 1, 10, p.max_per_day);
    p.max_per_week = integer_in(t, "max_per_week", 1, 70, p.max_per_week);
    p.max_per_30_days = integer_in(t, "max_per_30_days", 1, 300, p.max_per_30_days);
    if (p.max_per_week < p.max_per_day) t.fail("max_per_week", "must be at least max_per_day");
    if (p.max_per_30_days < p.max_per_week)
        t.fail("max_per_30_days", "must be at least max_per_week");
    if (auto cooldowns = t.table("cooldown_days")) {
        p.cooldown_days.clear();
        for (const auto& [key, node] : cooldowns->raw()) {
            const std::string kind(key.str());
            const auto k = parse_kind(kind);
            if (!k) cooldowns->fail(kind, "unknown kind (known: " + kind_list() + ")");
            p.cooldown_days[*k] = integer_in(*cooldowns, kind, 0, kContactHistoryDays, 0);
        }
        cooldowns->reject_unknown();
    }
    if (auto v = t.get<bool>("caps_apply_to_notices", "true or false"))
        p.caps_apply_to_notices = *v;
    if (auto v = t.get<bool>("notices_need_optin", "true or false")) p.notices_need_optin = *v;
    t.reject_unknown();
}

// A share in [0, 0.5] of a TOML number (0.1) or integer (0).
double share_value(Table& t, std::string_view key, const toml::node& node) {
    double v = 0;
    if (const auto d = node.value_exact<double>()) {
        v = *d;
    } else if (const auto i = node.value_exact<int64_t>()) {
        v = static_cast<double>(*i);
    } else {
        t.fail(key, "expected a share between 0 and 0.5 (0.1 = 10 %)");
    }
    if (!(v >= 0.0 && v <= 0.5)) t.fail(key, "must be between 0 and 0.5 (0.1 = 10 %)");
    return v;
}

// [effect] of a store or of [store_defaults]; keys it lacks keep `e`'s values.
void read_effect(Table& t, EffectConfig& e) {
    if (auto holdout = t.table("holdout")) {
        for (const auto& [key, node] : holdout->raw()) {
            const std::string kind(key.str());
            const auto k = parse_kind(kind);
            if (!k) holdout->fail(kind, "unknown kind (known: " + kind_list() + ")");
            holdout->mark_read(kind);
            e.holdout[*k] = share_value(*holdout, kind, node);
        }
    }
    if (auto windows = t.table("window_days")) {
        for (const auto& [key, node] : windows->raw()) {
            const std::string kind(key.str());
            const auto k = parse_kind(kind);
            if (!k) windows->fail(kind, "unknown kind (known: " + kind_list() + ")");
            if (*k == Kind::card_expiry)
                windows->fail(kind,
                              "a card's window runs to its last day: set card_expiry_grace_days");
            e.window_days[*k] = integer_in(*windows, kind, 1, 365, 0);
        }
    }
    e.card_expiry_grace_days =
        integer_in(t, "card_expiry_grace_days", 0, 365, e.card_expiry_grace_days);
    if (const auto* node = t.raw().get("sms_part_price")) {
        t.mark_read("sms_part_price");
        const auto d = node->value<double>();
        if (!d || *d < 0 || *d > 100)
            t.fail("sms_part_price", "expected yuan per part, 0 to 100 (0.05)");
        e.sms_part_price = *d;
    }
    e.min_group_size = integer_in(t, "min_group_size", 1, 1000000, e.min_group_size);
    e.keep_days = integer_in(t, "keep_days", 30, 3650, e.keep_days);
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
    if (auto p = t.table("policy")) read_policy(*p, s.policy);
    if (auto e = t.table("effect")) read_effect(*e, s.effect);
    if (auto v = t.string("sms_signature")) {
        if (v->empty() || v->find("【") != std::string::npos || v->find("】") != std::string::npos)
            t.fail("sms_signature", "the bare name, without 【】, not empty");
        s.sms_signature = *v;
    }
    if (auto v = t.string("sms_unsubscribe")) s.sms_unsubscribe = *v;
    s.sms_max_parts = integer_in(t, "sms_max_parts", 1, 10, s.sms_max_parts);
    if (auto v = t.string("sms_from")) s.sms_from = *v;
    if (auto v = t.get<bool>("approve_before_send", "true or false"))
        s.approve_before_send = *v;
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

// A secret written into the file itself is refused: config files get copied,
// committed and pasted into tickets.
void used_secret_value(Table& t, const std::string& name) {
    if (t.raw().contains(name))
        t.fail(name,
               "secrets are not read from the config: use " + name + "_file or " + name + "_env");
}

// A provider template's key: a kind, or a merge of two ("birthday+festival").
bool is_template_key(std::string_view key) {
    const auto plus = key.find('+');
    if (plus == std::string_view::npos) return parse_kind(key).has_value();
    return parse_kind(key.substr(0, plus)) && parse_kind(key.substr(plus + 1));
}

std::string kind_list() {
    std::string out;
    for (const Kind k :
         {Kind::birthday, Kind::child_birthday, Kind::festival, Kind::card_expiry, Kind::winback})
        out += (out.empty() ? "" : ", ") + std::string(to_string(k));
    return out;
}

// "<name>_file" / "<name>_env": where a secret is read from; never the secret itself.
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

// The entries of a provider's [templates] table, each read by `read_entry`
// (kind, its table) and keyed by its kind: a kind or a merge key
// (birthday+festival), nothing else.
template <class Entry, class ReadEntry>
std::map<std::string, Entry> template_entries(Table& parent, ReadEntry read_entry) {
    std::map<std::string, Entry> out;
    auto t = parent.table("templates");
    if (!t) return out;
    for (const auto& [key, node] : t->raw()) {
        const std::string kind(key.str());
        if (!is_template_key(kind))
            t->fail(kind,
                    "unknown kind (known: " + kind_list() + ", or a merge: birthday+festival)");
        auto entry = t->table(kind);
        Entry e = read_entry(*entry);
        entry->reject_unknown();
        out.emplace(kind, std::move(e));
    }
    t->reject_unknown();
    return out;
}

std::map<std::string, ProviderTemplate> provider_templates(Table& parent) {
    return template_entries<ProviderTemplate>(parent, [](Table& entry) {
        ProviderTemplate pt;
        const auto id = entry.string("id");
        if (!id || id->empty()) entry.fail("id", "the provider's template id is required");
        pt.id = *id;
        pt.params = string_list(entry, "params", {});
        return pt;
    });
}

std::map<std::string, WechatTemplate> wechat_templates(Table& parent) {
    return template_entries<WechatTemplate>(parent, [](Table& entry) {
        WechatTemplate wt;
        const auto id = entry.string("id");
        if (!id || id->empty()) entry.fail("id", "the WeChat template id is required");
        wt.id = *id;
        if (auto v = entry.string("page")) wt.page = *v;
        if (auto fields = entry.table("fields")) {
            for (const auto& [fkey, fnode] : fields->raw()) {
                const std::string field(fkey.str());
                const auto param = fields->string(field);
                wt.fields.emplace(field, *param);
            }
            fields->reject_unknown();
        }
        if (wt.fields.empty()) entry.fail("fields", "map at least one template field to a param");
        return wt;
    });
}

void read_rate(Table& t, RateLimitConfig& r) {
    r.per_second = integer_in(t, "rate_per_second", 0, 100'000, r.per_second);
    r.burst = integer_in(t, "rate_burst", 0, 100'000, r.burst);
    r.max_wait = std::chrono::milliseconds(
        integer_in(t, "rate_max_wait_ms", 0, 3'600'000, r.max_wait.count()));
    r.guard = std::chrono::milliseconds(integer_in(t, "rate_guard_ms", 0, 1000, r.guard.count()));
    r.recipient_per_minute =
        integer_in(t, "recipient_per_minute", 0, 1'000'000, r.recipient_per_minute);
    r.recipient_per_hour = integer_in(t, "recipient_per_hour", 0, 1'000'000, r.recipient_per_hour);
    r.recipient_per_day = integer_in(t, "recipient_per_day", 0, 1'000'000, r.recipient_per_day);
}

// A provider's `receipts`: "off", "push" or "poll".
ReceiptMode receipt_mode(Table& t, ReceiptMode dflt) {
    const auto v = t.string("receipts");
    if (!v) return dflt;
    if (*v == "off") return ReceiptMode::off;
    if (*v == "push") return ReceiptMode::push;
    if (*v == "poll") return ReceiptMode::poll;
    t.fail("receipts", "expected \"off\", \"push\" or \"poll\", got \"" + *v + "\"");
}

ProviderConfig read_provider(Table& root, std::string_view key, ProviderConfig dflt) {
    auto t = root.table(key);
    if (!t) return dflt;
    ProviderConfig p = dflt;
    const bool sms = key == "sms";
    const std::string known =
        sms ? "outbox, kannel, aliyun, tencent, null" : "outbox, wechat, null";
    if (auto v = t->string("provider")) {
        const bool ok =
            *v == "outbox" || *v == "null" ||
            (sms ? (*v == "kannel" || *v == "aliyun" || *v == "tencent") : *v == "wechat");
        if (!ok) t->fail("provider", "unknown provider \"" + *v + "\" (known: " + known + ")");
        p.provider = *v;
    }
    // `null` reports every job sent and sends nothing: one mistyped line must
    // not silence a shop. Benchmarks say what they are.
    const bool bench = t->get<bool>("bench", "true or false").value_or(false);
    if (p.provider == "null" && !bench)
        t->fail("provider",
                "\"null\" sends nothing and reports every job sent; it is for benchmarks only "
                "(set bench = true in this table to use it)");
    if (auto v = t->string("outbox_path")) p.outbox_path = *v;
    if (auto v = t->string("admin_listen")) {
        if (!v->empty() && !parse_listen_address(*v))
            t->fail("admin_listen", "expected host:port (e.g. 127.0.0.1:9464), got \"" + *v + "\"");
        p.admin_listen = *v;
    }
    p.http_timeout = std::chrono::milliseconds(
        integer_in(*t, "http_timeout_ms", 1, 600'000, p.http_timeout.count()));
    p.account_pause = seconds_in(*t, "account_pause_seconds", 1, 7 * 86400, p.account_pause);
    p.backoff.base = seconds_in(*t, "backoff_base_seconds", 1, 86400, p.backoff.base);
    p.backoff.cap = seconds_in(*t, "backoff_cap_seconds", 1, 7 * 86400, p.backoff.cap);
    if (p.backoff.cap < p.backoff.base)
        t->fail("backoff_cap_seconds", "must be at least backoff_base_seconds");
    read_rate(*t, p.rate);
    if (sms) {
        if (auto k = t->table("kannel")) {
            auto& c = p.kannel;
            if (auto v = k->string("sendsms_url")) c.sendsms_url = *v;
            if (auto v = k->string("username")) c.username = *v;
            c.password = secret(*k, "password");
            if (auto v = k->string("smsc")) c.smsc = *v;
            // A bit mask of 1, 2, 4, 8, 16.
            c.dlr_mask = integer_in(*k, "dlr_mask", 0, 31, c.dlr_mask);
            if (auto v = k->string("listen")) c.listen = *v;
            if (auto v = k->string("callback_url")) c.callback_url = *v;
            c.callback_secret = secret(*k, "callback_secret");
            c.banned_words = string_list(*k, "banned_words", c.banned_words);
            k->reject_unknown();
        }
        if (auto a = t->table("aliyun")) {
            auto& c = p.aliyun;
            if (auto v = a->string("endpoint")) c.endpoint = *v;
            if (auto v = a->string("access_key_id")) c.access_key_id = *v;
            c.access_key_secret = secret(*a, "access_key_secret");
            c.templates = provider_templates(*a);
            c.banned_words = string_list(*a, "banned_words", c.banned_words);
            c.receipts = receipt_mode(*a, c.receipts);
            a->reject_unknown();
        }
        if (auto tc = t->table("tencent")) {
            auto& c = p.tencent;
            if (auto v = tc->string("endpoint")) c.endpoint = *v;
            if (auto v = tc->string("region")) c.region = *v;
            if (auto v = tc->string("sdk_app_id")) c.sdk_app_id = *v;
            if (auto v = tc->string("secret_id")) c.secret_id = *v;
            c.secret_key = secret(*tc, "secret_key");
            c.templates = provider_templates(*tc);
            c.banned_words = string_list(*tc, "banned_words", c.banned_words);
            c.receipts = receipt_mode(*tc, c.receipts);
            tc->reject_unknown();
        }
        if (auto r = t->table("receipts")) {
            auto& c = p.receipts;
            if (auto v = r->string("listen")) {
                if (!parse_listen_address(*v))
                    r->fail("listen",
                            "expected host:port (e.g. 127.0.0.1:13081), got \"" + *v + "\"");
                c.listen = *v;
            }
            c.callback_secret = secret(*r, "callback_secret");
            c.poll_interval = seconds_in(*r, "poll_interval_seconds", 1, 86400, c.poll_interval);
            c.poll_per_second = integer_in(*r, "poll_per_second", 1, 1000, c.poll_per_second);
            c.poll_batch = integer_in(*r, "poll_batch", 1, 100'000, c.poll_batch);
            r->reject_unknown();
        }
    } else if (auto w = t->table("official")) {
        auto& c = p.wechat;
        if (auto v = w->string("api_base")) c.api_base = *v;
        if (auto v = w->string("app_id")) c.app_id = *v;
        c.app_secret = secret(*w, "app_secret");
        c.templates = wechat_templates(*w);
        if (auto v = w->string("listen")) {
            if (!v->empty() && !parse_listen_address(*v))
                w->fail("listen", "expected host:port (e.g. 127.0.0.1:13090), got \"" + *v + "\"");
            c.listen = *v;
        }
        c.token = secret(*w, "token");
        c.encoding_aes_key = secret(*w, "encoding_aes_key");
        if (!c.listen.empty() && c.token.empty())
            w->fail("token_file",
                    "the message server (listen) needs the account's server Token: set token_file "
                    "or token_env");
        if (!c.listen.empty() && c.app_id.empty())
            w->fail("app_id", "the message server (listen) needs the account's app_id");
        if (c.listen.empty() && !c.encoding_aes_key.empty())
            w->fail("encoding_aes_key_file", "only used by the message server: set listen too");
        w->reject_unknown();
    }
    t->reject_unknown();
    return p;
}

bool is_festival_key(std::string_view key) {
    if (key.empty() || key.size() > 32) return false;
    return std::all_of(key.begin(), key.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
}

// "festival" or "festival.<variant>"; a variant named like a channel would be
// read as the general template's channel variant.
bool is_festival_template_name(std::string_view name) {
    if (name == "festival") return true;
    if (!name.starts_with("festival.")) return false;
    const auto variant = name.substr(9);
    return is_festival_key(variant) && variant != "sms" && variant != "wechat";
}

std::string festival_keys(const Config& c) {
    std::string keys;
    for (const auto& f : c.festivals)
        keys += (keys.empty() ? "" : ", ") + f.key;
    return keys;
}

// The occasion settings of a store (or of [store_defaults]).
void read_store_occasions(Table& t, StoreConfig& s, const Config& c) {
    if (const auto* a = t.array("festivals")) {
        std::vector<std::string> keys;
        for (const auto& node : *a) {
            const auto key = node.value<std::string>();
            if (!key) t.fail("festivals", "expected festival keys (strings)");
            if (!c.find_festival(*key)) {
                t.fail("festivals", "unknown festival \"" + *key + "\" (" +
                                        (c.holidays_file.empty() ? "holidays.toml (embedded)"
                                                                 : c.holidays_file) +
                                        " defines: " + festival_keys(c) + ")");
            }
            if (std::find(keys.begin(), keys.end(), *key) != keys.end()) {
                t.fail("festivals", "names \"" + *key + "\" twice");
            }
            keys.push_back(*key);
        }
        s.festivals = std::move(keys);
    }
    if (auto lead = t.table("lead_days")) {
        auto& l = s.lead_days;
        l.birthday = integer_in(*lead, "birthday", 0, 60, l.birthday);
        l.child_birthday = integer_in(*lead, "child_birthday", 0, 60, l.child_birthday);
        l.festival = integer_in(*lead, "festival", 0, 60, l.festival);
        lead->reject_unknown();
    }
    if (const auto* a = t.array("card_expiry_days")) {
        std::vector<int> days;
        for (const auto& node : *a) {
            // Whole days before expiry.
            const int v = static_cast<int>(checked_integer(t, "card_expiry_days", node, 0, 366));
            if (std::find(days.begin(), days.end(), v) != days.end()) {
                t.fail("card_expiry_days", "names " + std::to_string(v) + " twice");
            }
            days.push_back(v);
        }
        std::sort(days.begin(), days.end(), std::greater<>());
        s.card_expiry_days = std::move(days);
    }
}

std::vector<Audience> audience_list(Table& t) {
    const auto* node = t.raw().get("audience");
    t.mark_read("audience");
    if (!node) return {};
    std::vector<std::string> names;
    if (const auto v = node->value<std::string>()) {
        names.push_back(*v);
    } else if (const auto* a = node->as_array()) {
        for (const auto& item : *a) {
            const auto v = item.value<std::string>();
            if (!v) t.fail("audience", "expected audience names (strings)");
            names.push_back(*v);
        }
    }
    if (names.empty()) {
        t.fail("audience", "expected all, with_child, age_60_plus, women, men, or a list of them");
    }
    std::vector<Audience> audience;
    for (const auto& n : names) {
        const auto a = parse_audience(n);
        if (!a) {
            t.fail("audience", "unknown audience \"" + n +
                                   "\" (known: all, with_child, age_60_plus, women, men)");
        }
        if (*a != Audience::all) audience.push_back(*a);
    }
    return audience;
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
        c.admin.api_requests_per_second = integer_in(*t, "api_requests_per_second", 1, 1000000,
                                                     c.admin.api_requests_per_second);
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
        t->reject_unknown();
    }
    if (auto t = root.table("console")) {
        auto& k = c.console;
        k.session.idle = std::chrono::minutes(integer_in(
            *t, "session_idle_minutes", 1, 24 * 60,
            std::chrono::duration_cast<std::chrono::minutes>(k.session.idle).count()));
        k.session.lifetime = std::chrono::hours(integer_in(
            *t, "session_max_hours", 1, 7 * 24,
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

namespace huitou {

std::vector<Festival> parse_holidays(std::string_view toml_text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(toml_text, origin);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        throw ConfigError(origin + ":" + std::to_string(where.line) + ":" +
                          std::to_string(where.column) + ": " + std::string(e.description()));
    }
    Table root(doc, "", origin);
    auto table = root.table("festivals");
    if (!table || table->raw().empty()) root.fail("festivals", "define at least one festival");
    std::vector<Festival> festivals;
    for (const auto& [k, node] : table->raw()) {
        const std::string key(k.str());
        auto t = table->table(key);
        if (!is_festival_key(key)) {
            table->fail(key, "a festival key may hold only a-z, 0-9 and '_' (at most 32)");
        }
        Festival f;
        f.key = key;
        const auto name = t->string("name");
        if (!name || trim(*name).empty()) t->fail("name", "every festival needs a name");
        if (count_code_points(*name) > 16) t->fail("name", "is longer than 16 characters");
        f.name = std::string(trim(*name));
        const auto rule_text = t->string("rule");
        if (!rule_text) t->fail("rule", "every festival needs a rule");
        std::string why;
        const auto rule = parse_festival_rule(*rule_text, &why);
        if (!rule) t->fail("rule", why);
        f.rule = *rule;
        f.template_name = t->string("template").value_or("festival");
        if (!is_festival_template_name(f.template_name)) {
            t->fail("template", "expected \"festival\" or \"festival.<name>\" ([a-z0-9_]), got \"" +
                                    f.template_name + "\"");
        }
        f.audience = audience_list(*t);
        t->reject_unknown();
        festivals.push_back(std::move(f));
    }
    root.reject_unknown();
    return festivals;
}

}  // namespace huitou
