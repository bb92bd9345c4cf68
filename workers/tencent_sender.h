// tencent_sender.h — SMS through Tencent Cloud (SendSms, API 2021-01-11).
//
// Like Aliyun, Tencent sends registered templates: the kind maps to a
// TemplateId and an ordered list of job params (TemplateParamSet is
// positional: {1}, {2}, ...); SignName is the store's SMS signature;
// SessionContext carries "<store>/<job id>" (core/sms_receipt.h). The request
// is a JSON POST signed with TC3-HMAC-SHA256 (workers/tc3_signature.h) over
// the content-type and host headers. The answer is per number
// (SendStatusSet[0].Code) or, for the whole request, Response.Error.Code;
// both map to outcomes as docs/providers.md lists: "Ok" → sent with SerialNo;
// the LimitExceeded.PhoneNumber* family → the next 30 s / hour / day;
// FailedOperation.PhoneNumberInBlacklist → the member refused (consent lost);
// balance and authentication → stop the channel. A request that may have gone
// unanswered is looked up before it is sent again (verify: the number's
// status pull, by our SessionContext); pull_reports is the account-wide pull
// the receipt poller uses.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/sms_receipt.h"
#include "io/http_client.h"
#include "workers/sender.h"

namespace huitou {

class TencentSender final : public Sender {
  public:
    TencentSender(const Config& config, const ProviderConfig& provider, std::string secret_key);

    std::string_view name() const override { return "tencent"; }
    SendResult send(const JobMessage& job, SysSeconds now) override;
    Verification verify(const JobMessage& job, SysSeconds since, SysSeconds now) override;

    // One PullSmsSendStatus (the account-wide pull; each report is handed out
    // once): the reports, `ref` their SessionContext; or why it failed.
    struct Pull {
        std::vector<SmsReceipt> receipts;
        std::size_t got = 0;  // entries in the answer, ours or not
        std::string error;    // not empty: the pull failed, nothing was handed out
    };
    Pull pull_reports(int limit);

  private:
    // POSTs `payload` as API `action`, signed (TC3) with the real time.
    // Throws HttpError on transport failure.
    HttpResponse call(std::string_view action, const std::string& payload);

    const Config& config_;
    const ProviderConfig& provider_;
    std::string secret_key_;
    std::string host_;  // the endpoint's host[:port], signed and sent as Host
    HttpClient http_;
};

// How long after an unsure attempt a message missing from the number's
// delivery reports still counts as "not known yet" rather than "never sent".
// Carriers' reports usually come within seconds; one that comes later than
// this (a phone off for long) makes the message go twice.
inline constexpr std::chrono::minutes tencent_report_wait{30};

// The outcome of a Tencent SMS code (per-number or request-level).
SendResult tencent_result(const std::string& code, const std::string& message,
                          const std::string& serial_no, SysSeconds now);

}  // namespace huitou
