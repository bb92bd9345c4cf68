// provider_config.h — what a channel's provider needs to know: account,
// endpoints, template mappings, rate limits.
//
// One [sms] and one [wechat] table in the config file; each names its
// provider (outbox, kannel, aliyun, tencent; outbox or wechat) and carries a
// sub-table per provider, so switching providers is one line. Secrets are
// never values in the file: a `*_file` key names a file that holds the
// secret, a `*_env` key an environment variable; the worker reads them at
// start-up (io/secret.h) and never logs them. Base URLs are config so
// tests can point a provider at a local server. read_provider
// (provider_config.cpp) reads a table with the strict loader's walker
// (core/toml_walker.h); docs/configuration.md lists every key.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/job.h"

namespace huitou {

// Where a secret comes from: a file (its content, trailing newline trimmed)
// or an environment variable. At most one is set.
struct SecretRef {
    std::string file;
    std::string env;
    bool empty() const { return file.empty() && env.empty(); }
};

// A provider account's shared rate (0: unlimited) and the per-recipient caps
// (0: none), enforced through Redis by io/rate_limiter.h.
struct RateLimitConfig {
    int per_second = 0;  // the account's messages per second, shared by every worker
    int burst = 0;       // extra messages that may go at once from idle
    std::chrono::milliseconds max_wait{10000};  // longest a worker waits for the account
    // Decisions are spaced for windows of 1 s + guard: a send leaves the
    // worker a little after its decision, and the provider counts arrivals.
    std::chrono::milliseconds guard{10};
    int recipient_per_minute = 0;
    int recipient_per_hour = 0;
    int recipient_per_day = 0;
};

// Exponential backoff with jitter for transient failures (core/backoff.h).
struct BackoffConfig {
    std::chrono::seconds base{30};
    std::chrono::seconds cap{1800};
};

struct KannelConfig {
    std::string sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
    std::string username = "huitou";
    SecretRef password;
    std::string smsc;   // optional: route through this smsc-id
    int dlr_mask = 31;  // 1 delivered, 2 failed, 4 buffered, 8 smsc ack, 16 smsc nack
    std::string listen = "127.0.0.1:13080";  // the worker's DLR/MO listener ("" = none)
    std::string callback_url = "http://127.0.0.1:13080";  // the listener as Kannel reaches it
    // The shared secret Kannel's callbacks carry (?key=, in the dlr-url huitou
    // sends and the get-url in kannel.conf); required when callbacks are on.
    SecretRef callback_secret;
    std::vector<std::string> banned_words;
};

// How delivery receipts reach huitou from Aliyun or Tencent
// (docs/providers.md): not at all (the default: both ways need the account
// set up at the provider), pushed to the SMS worker's receipt listener, or
// asked for by its poller.
enum class ReceiptMode { off, push, poll };
std::string_view to_string(ReceiptMode mode);

// [sms.receipts]: the listener that takes pushed receipts and the poller's pace.
struct ReceiptsConfig {
    std::string listen = "127.0.0.1:13081";  // host:port of the receipt listener
    // The secret the callback URL configured at the provider carries (?key=);
    // required when a provider's receipts are pushed.
    SecretRef callback_secret;
    std::chrono::seconds poll_interval{60};  // between rounds of the poller
    int poll_per_second = 5;                 // provider calls a second, at most
    int poll_batch = 200;                    // Aliyun jobs asked about in a round, at most
};

// A provider template: its id there, and which job params fill it, in order.
struct ProviderTemplate {
    std::string id;
    std::vector<std::string> params;
};

struct AliyunConfig {
    std::string endpoint = "https://dysmsapi.aliyuncs.com/";
    std::string access_key_id;
    SecretRef access_key_secret;
    std::map<std::string, ProviderTemplate> templates;  // kind → TemplateCode + params
    std::vector<std::string> banned_words;
    ReceiptMode receipts = ReceiptMode::off;
};

struct TencentConfig {
    std::string endpoint = "https://sms.tencentcloudapi.com";
    std::string region = "ap-guangzhou";
    std::string sdk_app_id;
    std::string secret_id;
    SecretRef secret_key;
    std::map<std::string, ProviderTemplate> templates;  // kind → TemplateId + ordered params
    std::vector<std::string> banned_words;              // default: Tencent's published examples
    ReceiptMode receipts = ReceiptMode::off;
};

// A WeChat template message or subscription notice: its template id and
// which job param fills each field ("thing1" → "store"; "text" = the job's text).
struct WechatTemplate {
    std::string id;
    std::map<std::string, std::string> fields;
    std::string page;  // optional: url (template message) or page (subscription notice)
};

struct WechatConfig {
    std::string api_base = "https://api.weixin.qq.com";
    std::string app_id;
    SecretRef app_secret;
    std::map<std::string, WechatTemplate> templates;  // kind → template
    // The account's message server (workers/wechat_listener.h): where
    // huitou-wechat listens for WeChat's pushes ("" = it does not), the
    // server Token set in the account's settings (required with `listen`),
    // and the EncodingAESKey when the account is in safe mode.
    std::string listen;
    SecretRef token;
    SecretRef encoding_aes_key;
};

struct ProviderConfig {
    std::string provider = "outbox";  // sms: outbox kannel aliyun tencent; wechat: outbox wechat
    std::string outbox_path;          // outbox: the JSON Lines file messages go to
    std::string admin_listen;  // host:port of the worker's /metrics, /healthz, /readyz; "" = off
    std::chrono::milliseconds http_timeout{10000};
    std::chrono::seconds account_pause{600};  // an account problem stops the channel this long
    RateLimitConfig rate;
    BackoffConfig backoff;
    KannelConfig kannel;
    AliyunConfig aliyun;
    TencentConfig tencent;
    WechatConfig wechat;
    ReceiptsConfig receipts;

    // How the configured provider's receipts come (off for those huitou
    // takes none from this way: Kannel has its own listener).
    ReceiptMode receipt_mode() const;
    // The banned words of the configured provider (empty for outbox).
    const std::vector<std::string>& banned_words() const;
    // The account this provider sends from, for rate-limit keys.
    std::string account() const;
    // Whether it can send template `name` ("birthday+festival"): providers
    // that send our text can send any; the others only what is registered.
    bool sends_template(const std::string& name) const;
};

// The provider template a job goes with: its merge template (the job's
// "template" param, core/delivery_policy.h) when it has one, else its kind.
std::string provider_template_key(Kind kind, const std::map<std::string, std::string>& params);

// Tencent's examples of words refused in marketing SMS (正文模板审核标准).
const std::vector<std::string>& tencent_default_banned_words();

// The defaults of a channel's provider table.
ProviderConfig make_provider_config(std::string provider, std::string outbox_path);

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// The channel table `key` ("sms" or "wechat") of the config's `root`: `dflt`
// when absent, else `dflt` with the keys it sets. Throws ConfigError naming
// the key.
ProviderConfig read_provider(Table& root, std::string_view key, ProviderConfig dflt);
}  // namespace config_detail

}  // namespace huitou
