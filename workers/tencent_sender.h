// tencent_sender.h — SMS through Tencent Cloud (SendSms, API 2021-01-11).
//
// Like Aliyun, Tencent sends registered templates: the kind maps to a
// TemplateId and an ordered list of job params (TemplateParamSet is
// positional: {1}, {2}, ...); SignName is the store's SMS signature;
// SessionContext carries the job id. The request is a JSON POST signed with
// TC3-HMAC-SHA256 (workers/tc3_signature.h) over the content-type and host
// headers. The answer is per number (SendStatusSet[0].Code) or, for the whole
// request, Response.Error.Code; both map to outcomes as docs/providers.md
// lists: "Ok" → sent with SerialNo; the LimitExceeded.PhoneNumber* family →
// the next 30 s / hour / day; FailedOperation.PhoneNumberInBlacklist → the
// member refused (consent lost); balance and authentication → stop the
// channel. Tencent offers no lookup by our id here, so a request that may
// have gone unanswered ends unknown (Sender::verify's default).
#pragma once

#include <string>

#include "core/config.h"
#include "io/http_client.h"
#include "workers/sender.h"

namespace huitou {

class TencentSender final : public Sender {
  public:
    TencentSender(const Config& config, const ProviderConfig& provider, std::string secret_key);

    std::string_view name() const override { return "tencent"; }
    SendResult send(const JobMessage& job, SysSeconds now) override;

  private:
    const Config& config_;
    const ProviderConfig& provider_;
    std::string secret_key_;
    std::string host_;  // the endpoint's host[:port], signed and sent as Host
    HttpClient http_;
};

// The outcome of a Tencent SMS code (per-number or request-level).
SendResult tencent_result(const std::string& code, const std::string& message,
                          const std::string& serial_no, SysSeconds now);

}  // namespace huitou
