#include "workers/tencent_sender.h"

#include <nlohmann/json.hpp>

#include "workers/aliyun_sender.h"
#include "workers/tc3_signature.h"

namespace huitou {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A string field of a JSON object, or "" when absent or not a string.
std::string text_of(const json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string host_of(const std::string& url) {
    auto rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    return rest.substr(0, rest.find('/'));
}

}  // namespace

SendResult tencent_result(const std::string& code, const std::string& message,
                          const std::string& serial_no, SysSeconds now) {
    const std::string error = "tencent " + code + ": " + message;
    if (code == "Ok") return {Outcome::sent, serial_no, {}, std::nullopt};
    if (code == "LimitExceeded.PhoneNumberThirtySecondLimit")
        return {Outcome::retry, {}, error, now + 30s};
    if (code == "LimitExceeded.PhoneNumberOneHourLimit")
        return {Outcome::retry, {}, error, now + 3600s};
    if (code == "LimitExceeded.PhoneNumberDailyLimit" ||
        code == "LimitExceeded.PhoneNumberSameContentDailyLimit")
        return {Outcome::retry, {}, error, next_beijing_midnight(now)};
    if (code == "LimitExceeded.DeliveryFrequencyLimit")
        return {Outcome::retry, {}, error, now + 3600s};
    if (code == "LimitExceeded.AppDailyLimit" || code == "LimitExceeded.AppGlobalDailyLimit" ||
        code == "LimitExceeded.AppMainlandChinaDailyLimit")
        return {Outcome::account_problem, {}, error, next_beijing_midnight(now)};
    if (code == "FailedOperation.PhoneNumberInBlacklist")
        return {Outcome::consent_lost, {}, error, std::nullopt};
    if (code.starts_with("AuthFailure") || code.starts_with("UnauthorizedOperation") ||
        code == "FailedOperation.InsufficientBalanceInSmsPackage" ||
        code == "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber" ||
        code == "ResourceNotFound.SdkAppIdNotExist")
        return {Outcome::account_problem, {}, error, std::nullopt};
    if (code == "RequestLimitExceeded" || code.starts_with("LimitExceeded") ||
        code == "ResourceUnavailable" || code == "FailedOperation.MarketingSendTimeConstraint")
        return {Outcome::retry, {}, error, std::nullopt};
    if (code.starts_with("InternalError")) {
        // Tencent failed while handling it: it may have gone.
        return {Outcome::retry, {}, error, std::nullopt, true};
    }
    // InvalidParameterValue.*, FailedOperation.TemplateIncorrectOrUnapproved,
    // FailedOperation.ContainSensitiveWord ...: this message will never go.
    return {Outcome::failed, {}, error, std::nullopt};
}

TencentSender::TencentSender(const Config& config, const ProviderConfig& provider,
                             std::string secret_key)
    : config_(config),
      provider_(provider),
      secret_key_(std::move(secret_key)),
      host_(host_of(provider.tencent.endpoint)) {
    if (provider_.tencent.sdk_app_id.empty() || provider_.tencent.secret_id.empty())
        throw ConfigError("sms.tencent: sdk_app_id and secret_id are required");
}

HttpResponse TencentSender::call(std::string_view action, const std::string& payload) {
    Tc3Request request;
    request.host = host_;
    request.service = "sms";
    request.payload = payload;
    // Signed with the real time, whatever the worker's clock shows: Tencent
    // refuses a request more than five minutes off its own clock.
    const auto signed_at =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    request.timestamp = signed_at;
    const std::string authorization =
        tc3_authorization(request, {provider_.tencent.secret_id, secret_key_});
    return http_.perform(
        {"POST",
         provider_.tencent.endpoint,
         {"Authorization: " + authorization, "Content-Type: " + std::string(request.content_type),
          "Host: " + host_, "X-TC-Action: " + std::string(action), "X-TC-Version: 2021-01-11",
          "X-TC-Timestamp: " + std::to_string(signed_at.time_since_epoch().count()),
          "X-TC-Region: " + provider_.tencent.region},
         payload,
         provider_.http_timeout});
}

SendResult TencentSender::send(const JobMessage& job, SysSeconds now) {
    const auto* store = config_.find_store(job.store);
    const auto it = provider_.tencent.templates.find(provider_template_key(job.kind, job.params));
    if (!store || it == provider_.tencent.templates.end()) {
        return {Outcome::failed,
                {},
                "no Tencent TemplateId for " + std::string(to_string(job.kind)) +
                    " (sms.tencent.templates)",
                std::nullopt};
    }
    json params = json::array();
    for (const auto& name : it->second.params) {
        const auto p = job.params.find(name);
        params.push_back(p == job.params.end() ? std::string() : p->second);
    }
    const std::string payload = json{{"PhoneNumberSet", json::array({job.to})},
                                     {"SmsSdkAppId", provider_.tencent.sdk_app_id},
                                     {"SignName", store->sms_signature},
                                     {"TemplateId", it->second.id},
                                     {"TemplateParamSet", params},
                                     {"SessionContext", receipt_ref(job.store, job.job_id)}}
                                    .dump();
    HttpResponse response;
    try {
        response = call("SendSms", payload);
    } catch (const HttpError& e) {
        return {Outcome::retry, {}, e.what(), std::nullopt, e.maybe_sent()};
    }
    const auto body = json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("Response")) {
        return {Outcome::retry,
                {},
                "tencent: HTTP " + std::to_string(response.status) + " without a readable answer",
                std::nullopt,
                response.status >= 500 || response.status == 200};
    }
    const auto& r = body["Response"];
    if (r.contains("Error") && r["Error"].is_object()) {
        return tencent_result(r["Error"].value("Code", ""), r["Error"].value("Message", ""), {},
                              now);
    }
    const auto set = r.value("SendStatusSet", json::array());
    if (set.empty() || !set[0].is_object())
        return {Outcome::retry, {}, "tencent: no SendStatusSet in the answer", std::nullopt, true};
    return tencent_result(set[0].value("Code", ""), set[0].value("Message", ""),
                          set[0].value("SerialNo", ""), now);
}

Verification TencentSender::verify(const JobMessage& job, SysSeconds since, SysSeconds now) {
    using Verdict = Verification::Verdict;
    constexpr int limit = 100;  // the most Tencent returns; Offset is fixed at 0
    // The attempt began at most a timeout before `since`; leave room for clocks.
    const auto begin = std::chrono::floor<std::chrono::seconds>(since - provider_.http_timeout) -
                       std::chrono::minutes{5};
    if (now - begin >= std::chrono::days{7})
        return {Verdict::unknown, {}, "past the seven days Tencent's status pull covers"};
    const std::string payload =
        json{{"BeginTime", begin.time_since_epoch().count()},
             {"EndTime", (now + std::chrono::minutes{1}).time_since_epoch().count()},
             {"Offset", 0},
             {"Limit", limit},
             {"PhoneNumber", job.to},
             {"SmsSdkAppId", provider_.tencent.sdk_app_id}}
            .dump();
    HttpResponse response;
    try {
        response = call("PullSmsSendStatusByPhoneNumber", payload);
    } catch (const HttpError& e) {
        return {Verdict::try_later, {}, e.what()};
    }
    const auto body = json::parse(response.body, nullptr, false);
    if (response.status != 200 || body.is_discarded() || !body.is_object() ||
        !body.contains("Response") || !body["Response"].is_object())
        return {Verdict::try_later, {}, "status pull: HTTP " + std::to_string(response.status)};
    const auto& r = body["Response"];
    if (r.contains("Error") && r["Error"].is_object()) {
        const std::string code = text_of(r["Error"], "Code");
        const std::string detail = "status pull: " + code + ": " + text_of(r["Error"], "Message");
        // Tencent busy: ask again later. Anything else (not allowed, a bad
        // parameter): the lookup cannot work, and the job must not go twice.
        if (code.starts_with("InternalError") || code.starts_with("RequestLimitExceeded") ||
            code.starts_with("LimitExceeded") || code.starts_with("ResourceUnavailable"))
            return {Verdict::try_later, {}, detail};
        return {Verdict::unknown, {}, detail};
    }
    const auto it = r.find("PullSmsSendStatusSet");
    const json set = it != r.end() && it->is_array() ? *it : json::array();
    // Our reference, or the job id alone (what was sent before it named the store).
    const std::string ref = receipt_ref(job.store, job.job_id);
    for (const auto& s : set) {
        const std::string session = s.is_object() ? text_of(s, "SessionContext") : "";
        if (session == ref || session == job.job_id) {
            return {Verdict::sent, text_of(s, "SerialNo"),
                    "in Tencent's delivery reports (" + text_of(s, "ReportStatus") + ")"};
        }
    }
    if (set.size() >= static_cast<std::size_t>(limit))
        return {
            Verdict::unknown, {}, "status pull: 100 reports for the number, ours not among them"};
    if (now - since < tencent_report_wait)
        return {Verdict::try_later, {}, "no delivery report for it yet"};
    return {Verdict::not_sent, {}, "no delivery report for it in Tencent's status pull"};
}

TencentSender::Pull TencentSender::pull_reports(int limit) {
    Pull out;
    const std::string payload =
        json{{"Limit", limit}, {"SmsSdkAppId", provider_.tencent.sdk_app_id}}.dump();
    HttpResponse response;
    try {
        response = call("PullSmsSendStatus", payload);
    } catch (const HttpError& e) {
        out.error = e.what();
        return out;
    }
    const auto body = json::parse(response.body, nullptr, false);
    if (response.status != 200 || !body.is_object() || !body.contains("Response") ||
        !body["Response"].is_object()) {
        out.error = "PullSmsSendStatus: HTTP " + std::to_string(response.status);
        return out;
    }
    const auto& r = body["Response"];
    if (r.contains("Error") && r["Error"].is_object()) {
        out.error = "PullSmsSendStatus: " + text_of(r["Error"], "Code") + ": " +
                    text_of(r["Error"], "Message");
        return out;
    }
    const auto it = r.find("PullSmsSendStatusSet");
    if (it == r.end() || !it->is_array()) return out;  // nothing reported since the last pull
    out.got = it->size();
    for (const auto& s : *it) {
        if (!s.is_object()) continue;
        SmsReceipt receipt;
        receipt.ref = text_of(s, "SessionContext");
        receipt.provider_ref = text_of(s, "SerialNo");
        receipt.phone = text_of(s, "PhoneNumber");
        receipt.delivered = text_of(s, "ReportStatus") == "SUCCESS";
        receipt.detail = text_of(s, "Description");
        const auto at = s.find("UserReceiveTime");
        if (at != s.end() && at->is_number_integer())
            receipt.at = SysSeconds{std::chrono::seconds{at->get<long long>()}};
        out.receipts.push_back(std::move(receipt));
    }
    return out;
}

}  // namespace huitou
