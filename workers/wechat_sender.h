// wechat_sender.h — WeChat official-account messages.
//
// Two kinds of message, chosen by the job's kind, because WeChat forbids
// marketing in template messages: a card-expiry reminder is a service notice
// and goes as a template message (cgi-bin/message/template/send, with
// client_msg_id = a digest of store and job, which WeChat deduplicates for
// ten minutes); greetings (birthday, child_birthday, festival, winback) go as
// subscription notices (cgi-bin/message/subscribe/bizsend) to members who
// subscribed. The kind's template (config) names which job param fills each
// field; values are cut to their field type's limit (core/wechat_fields.h).
// The access token is shared by all workers (workers/wechat_token.h); a
// 40001/42001 answer refreshes it once and repeats the call once.
// Errors: 43004 (not following) and 43101 (refused) → consent lost (recorded
// as a WeChat opt-out); 45009 (daily quota) → stop WeChat until the next
// day, midnight Beijing time — the quota is the account's and WeChat counts
// days in Beijing time, whatever the store's zone; 47003 → failed (errmsg
// names the field). Only HTTP 200 with an integer errcode is WeChat's answer:
// a proxy's 5xx, or a body without errcode, is a retry that may have gone. A
// request that may have arrived unanswered is resent only within WeChat's
// ten-minute dedupe window, and only as a template message, with the same
// client_msg_id; a repeat answered 0 or 45065 ("clientmsgid exist") is sent.
// A message WeChat took leaves its msgid → store and job in Redis
// (workers/wechat_msgids.h), so its delivery event finds the job.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "io/http_client.h"
#include "io/redis_connection.h"
#include "workers/sender.h"
#include "workers/wechat_token.h"

namespace huitou {

class WechatSender final : public Sender {
  public:
    WechatSender(const Config& config, const ProviderConfig& provider, std::string app_secret,
                 RedisConnection& redis);

    std::string_view name() const override { return "wechat"; }
    SendResult send(const JobMessage& job, SysSeconds now) override;
    Verification verify(const JobMessage& job, SysSeconds since, SysSeconds now) override;

    // The request body for `job` (template message or subscription notice),
    // or nullopt with `error` when the kind has no template.
    std::optional<std::string> body(const JobMessage& job, std::string* error) const;

  private:
    // Keeps msgid → job for the delivery event (workers/wechat_msgids.h).
    void remember(const JobMessage& job, const std::string& msgid);

    const ProviderConfig& provider_;
    RedisConnection& redis_;
    HttpClient http_;
    WechatToken token_;
};

// Whether `kind` goes as a template message (service notice) rather than a
// subscription notice.
bool is_wechat_service_notice(Kind kind);

// client_msg_id for a job: "<store>:<job>" if it fits WeChat's 64 bytes,
// else the hex SHA-256 of it (64 characters).
std::string wechat_client_msg_id(const std::string& store, const std::string& job_id);

// The outcome of a WeChat errcode (not 40001/42001, which the sender handles).
SendResult wechat_result(long errcode, const std::string& errmsg, const std::string& msgid,
                         SysSeconds now);

}  // namespace huitou
