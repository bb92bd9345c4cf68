// kannel_sender.h — SMS through a self-hosted Kannel gateway.
//
// The text is composed here, as the member will read it: the store's
// 【signature】, the job's text, and the store's unsubscribe suffix on
// marketing kinds (core/sms_text.h); a message over the store's part limit
// is refused rather than cut. It goes to smsbox's sendsms interface as UTF-8
// with coding=2 (UCS-2 on the air, for Chinese), from the store's sender
// number, with a dlr-url that names the store and the job, so the delivery
// report finds its job, and carries the callback secret (key=), so the
// listener can tell Kannel's report from a forged one (workers/kannel_listener.h).
// Kannel's answers: 202 "0: Accepted for delivery" and 202 "3: Queued for
// later delivery" both mean Kannel has the message — sent (the second is
// never sent again: Kannel will deliver it); 503 is "try again later";
// 401/403 is the account (sendsms-user) — stop the channel; other 4xx are
// this message's fault — failed. A transport failure after the request went
// out may have been accepted, and Kannel cannot be asked: unknown.
#pragma once

#include <string>

#include "core/config.h"
#include "io/http_client.h"
#include "workers/sender.h"

namespace huitou {

class KannelSender final : public Sender {
  public:
    // `password` is the sendsms-user password, `callback_secret` the secret the
    // dlr-url carries (io/secret.h; check_callback_secret must accept it).
    KannelSender(const Config& config, const ProviderConfig& provider, std::string password,
                 std::string callback_secret);

    std::string_view name() const override { return "kannel"; }
    SendResult send(const JobMessage& job, SysSeconds now) override;

    // The sendsms URL for `job` with `text` (for tests: what Kannel receives).
    std::string sendsms_url(const JobMessage& job, const std::string& text) const;

  private:
    const Config& config_;
    const ProviderConfig& provider_;
    std::string password_;
    std::string callback_secret_;
    HttpClient http_;
};

// The composed SMS for `job` at `store` (signature, text, suffix on marketing).
std::string compose_job_sms(const StoreConfig& store, const JobMessage& job);

// Throws ConfigError (naming `key`) unless `secret` is at least 16
// characters of A-Z a-z 0-9 - _ . ~: it travels inside callback URLs (Kannel's,
// the providers' receipt URLs), where a '%' or '&' would be read as a
// placeholder or a parameter. `openssl rand -hex 32` makes one.
void check_callback_secret(const std::string& secret,
                           const std::string& key = "sms.kannel.callback_secret");

// A job id as it travels in a callback URL: itself when it holds only
// characters that need no escaping (A-Z a-z 0-9 - _ . :), else "~" + hex.
std::string callback_job_id(const std::string& job_id);
// The inverse; nullopt for a malformed hex form.
std::optional<std::string> parse_callback_job_id(const std::string& text);

}  // namespace huitou
