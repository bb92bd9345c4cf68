// aliyun_sender.h — SMS through Aliyun (Dysmsapi 2017-05-25, SendSms).
//
// Aliyun sends registered templates, not free text: the job's kind maps to a
// TemplateCode and an ordered list of job params, sent as TemplateParam (a
// JSON object of strings); SignName is the store's SMS signature; OutId is
// "<store>/<job id>" (core/sms_receipt.h: what a receipt names); the phone
// number is sent as Aliyun wants it (11 digits for the mainland, country code
// + number elsewhere). Requests are RPC-style GETs signed with HMAC-SHA1
// (workers/aliyun_signature.h). SendSms is not idempotent: after a timeout
// the job is marked "may have gone", and before it is sent again `verify`
// asks QuerySendDetails for the number on the day of that attempt (Beijing
// time) and looks for our OutId. Answers map to outcomes as docs/providers.md
// lists (Code "OK" → sent with BizId; isv.BUSINESS_LIMIT_CONTROL → the next
// minute/hour/day; account codes → stop the channel; message codes → failed).
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "io/http_client.h"
#include "workers/aliyun_signature.h"
#include "workers/sender.h"

namespace huitou {

class AliyunSender final : public Sender {
  public:
    AliyunSender(const Config& config, const ProviderConfig& provider, std::string secret);

    std::string_view name() const override { return "aliyun"; }
    SendResult send(const JobMessage& job, SysSeconds now) override;
    Verification verify(const JobMessage& job, SysSeconds since, SysSeconds now) override;

    // What QuerySendDetails lists for one message.
    struct Lookup {
        enum class Status { found, not_listed, failed };
        Status status = Status::failed;
        long long send_status = 0;  // 1 waiting for the receipt, 2 failed, 3 delivered
        std::string err_code;       // the carrier's code ("DELIVERED", "MK:0001")
        std::string biz_id;
        std::string error;  // failed: why
    };
    // Looks up the message to `e164` sent on `sent_at`'s day (Beijing time)
    // whose OutId is one of `out_ids`, by its BizId when `biz_id` is given,
    // else page by page (at most 20 pages of 50).
    Lookup look_up(const std::string& e164, SysSeconds sent_at, const std::string& biz_id,
                   const std::vector<std::string>& out_ids, SysSeconds now);

  private:
    // Signs `params` (adding the common ones) and GETs them; the JSON body.
    HttpResponse call(AliyunParams params, SysSeconds now);

    const Config& config_;
    const ProviderConfig& provider_;
    std::string secret_;
    HttpClient http_;
};

// Aliyun's PhoneNumbers form of an E.164 number: "+8613800138000" →
// "13800138000"; "+85291234567" → "85291234567".
std::string aliyun_phone(const std::string& e164);

// The outcome of a SendSms answer (`code`, `message` from the JSON body).
SendResult aliyun_result(const std::string& code, const std::string& message,
                         const std::string& biz_id, SysSeconds now);

// The start of the next day in Beijing time after `now` (daily quotas reset then).
SysSeconds next_beijing_midnight(SysSeconds now);

}  // namespace huitou
