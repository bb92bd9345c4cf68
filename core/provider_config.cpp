#include "core/provider_config.h"

#include "core/config.h"
#include "core/toml_walker.h"

namespace huitou {

const std::vector<std::string>& tencent_default_banned_words() {
    // Examples from Tencent Cloud SMS 正文模板审核标准
    // (cloud.tencent.com/document/product/382/39023); extend in config.
    static const std::vector<std::string> words{"美容", "会所", "酒吧", "用户召回", "邀请到店"};
    return words;
}

ProviderConfig make_provider_config(std::string provider, std::string outbox_path) {
    ProviderConfig p;
    p.provider = std::move(provider);
    p.outbox_path = std::move(outbox_path);
    p.tencent.banned_words = tencent_default_banned_words();
    return p;
}

std::string_view to_string(ReceiptMode mode) {
    switch (mode) {
        case ReceiptMode::push:
            return "push";
        case ReceiptMode::poll:
            return "poll";
        case ReceiptMode::off:
            break;
    }
    return "off";
}

ReceiptMode ProviderConfig::receipt_mode() const {
    if (provider == "aliyun") return aliyun.receipts;
    if (provider == "tencent") return tencent.receipts;
    return ReceiptMode::off;
}

const std::vector<std::string>& ProviderConfig::banned_words() const {
    static const std::vector<std::string> none;
    if (provider == "kannel") return kannel.banned_words;
    if (provider == "aliyun") return aliyun.banned_words;
    if (provider == "tencent") return tencent.banned_words;
    return none;
}

bool ProviderConfig::sends_template(const std::string& name) const {
    if (provider == "aliyun") return aliyun.templates.contains(name);
    if (provider == "tencent") return tencent.templates.contains(name);
    if (provider == "wechat") return wechat.templates.contains(name);
    return true;  // outbox and Kannel send our own text
}

std::string provider_template_key(Kind kind, const std::map<std::string, std::string>& params) {
    const auto it = params.find("template");
    return it != params.end() ? it->second : std::string(to_string(kind));
}

std::string ProviderConfig::account() const {
    if (provider == "kannel") return "kannel:" + kannel.username + "@" + kannel.sendsms_url;
    if (provider == "aliyun") return "aliyun:" + aliyun.access_key_id;
    if (provider == "tencent") return "tencent:" + tencent.sdk_app_id;
    if (provider == "wechat") return "wechat:" + wechat.app_id;
    return provider + ":" + outbox_path;
}

namespace config_detail {
namespace {

// A provider template's key: a kind, or a merge of two ("birthday+festival").
bool is_template_key(std::string_view key) {
    const auto plus = key.find('+');
    if (plus == std::string_view::npos) return parse_kind(key).has_value();
    return parse_kind(key.substr(0, plus)) && parse_kind(key.substr(plus + 1));
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

}  // namespace

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

}  // namespace config_detail

}  // namespace huitou
