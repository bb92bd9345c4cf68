#include "workers/aliyun_sender.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/sms_receipt.h"
#include "workers/crypto_util.h"

namespace huitou {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string nonce() {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    std::string bytes(16, '\0');
    for (auto& b : bytes)
        b = static_cast<char>(random() & 0xFF);
    return hex_lower(bytes);
}

const date::time_zone* beijing() {
    static const date::time_zone* zone = date::locate_zone("Asia/Shanghai");
    return zone;
}

bool one_of(const std::string& code, std::initializer_list<const char*> codes) {
    for (const char* c : codes)
        if (code == c) return true;
    return false;
}

}  // namespace

std::string aliyun_phone(const std::string& e164) {
    if (e164.starts_with("+86")) return e164.substr(3);
    if (e164.starts_with("+")) return e164.substr(1);
    return e164;
}

SysSeconds next_beijing_midnight(SysSeconds now) {
    const Date today = local_date(now, beijing());
    return start_of_day(Date{date::sys_days{today} + date::days{1}}, beijing());
}

SendResult aliyun_result(const std::string& code, const std::string& message,
                         const std::string& biz_id, SysSeconds now) {
    const std::string error = "aliyun " + code + ": " + message;
    if (code == "OK") return {Outcome::sent, biz_id, {}, std::nullopt};
    if (code == "isv.BUSINESS_LIMIT_CONTROL") {
        // The per-number frequency control; its message names the window
        // ("触发分钟级流控" / "触发小时级流控" / "触发天级流控"). Try in the next one.
        SysSeconds at = now + 3600s;
        if (message.find("分钟") != std::string::npos) at = now + 60s;
        if (message.find("天") != std::string::npos) at = next_beijing_midnight(now);
        return {Outcome::retry, {}, error, at};
    }
    if (code == "isv.DAY_LIMIT_CONTROL")  // the account's own daily cap
        return {Outcome::account_problem, {}, error, next_beijing_midnight(now)};
    if (one_of(code, {"isv.MONTH_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE",
                      "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "isv.DENY_IP_RANGE",
                      "isp.RAM_PERMISSION_DENY", "InvalidAccessKeyId.NotFound",
                      "InvalidAccessKeyId.Inactive", "SignatureDoesNotMatch", "Forbidden.RAM",
                      "InvalidTimeStamp.Expired"}))
        return {Outcome::account_problem, {}, error, std::nullopt};
    if (one_of(code, {"Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable",
                      "isv.OUT_OF_SERVICE_TEMPORARILY"}))
        return {Outcome::retry, {}, error, std::nullopt};
    if (one_of(code, {"isp.SYSTEM_ERROR", "InternalError", "isp.GATEWAY_ERROR"})) {
        // The server failed while handling it: it may have gone.
        return {Outcome::retry, {}, error, std::nullopt, true};
    }
    // isv.MOBILE_NUMBER_ILLEGAL, isv.INVALID_JSON_PARAM, isv.SMS_SIGNATURE_SCENE_ILLEGAL,
    // isv.SMS_TEMPLATE_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS, isv.BLACK_KEY_CONTROL_LIMIT,
    // isv.PARAM_LENGTH_LIMIT ...: this message will never go.
    return {Outcome::failed, {}, error, std::nullopt};
}

AliyunSender::AliyunSender(const Config& config, const ProviderConfig& provider, std::string secret)
    : config_(config), provider_(provider), secret_(std::move(secret)) {
    if (provider_.aliyun.access_key_id.empty())
        throw ConfigError("sms.aliyun.access_key_id: required for the aliyun provider");
}

HttpResponse AliyunSender::call(AliyunParams params, SysSeconds now) {
    params["AccessKeyId"] = provider_.aliyun.access_key_id;
    params["Format"] = "JSON";
    params["RegionId"] = "cn-hangzhou";
    params["SignatureMethod"] = "HMAC-SHA1";
    params["SignatureNonce"] = nonce();
    params["SignatureVersion"] = "1.0";
    // Signed with the real time, whatever the worker's clock shows (--now,
    // a simulated day): Aliyun refuses a timestamp far from its own.
    (void)now;
    params["Timestamp"] =
        date::format("%Y-%m-%dT%H:%M:%SZ",
                     std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    params["Version"] = "2017-05-25";
    const auto& endpoint = provider_.aliyun.endpoint;
    const std::string url = endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") +
                            aliyun_signed_query("GET", params, secret_);
    return http_.perform({"GET", url, {}, {}, provider_.http_timeout});
}

SendResult AliyunSender::send(const JobMessage& job, SysSeconds now) {
    const auto* store = config_.find_store(job.store);
    const auto it = provider_.aliyun.templates.find(provider_template_key(job.kind, job.params));
    if (!store || it == provider_.aliyun.templates.end()) {
        return {Outcome::failed,
                {},
                "no Aliyun TemplateCode for " + std::string(to_string(job.kind)) +
                    " (sms.aliyun.templates)",
                std::nullopt};
    }
    json params = json::object();
    for (const auto& name : it->second.params) {
        const auto p = job.params.find(name);
        params[name] = p == job.params.end() ? std::string() : p->second;
    }
    HttpResponse response;
    try {
        response = call({{"Action", "SendSms"},
                         {"PhoneNumbers", aliyun_phone(job.to)},
                         {"SignName", store->sms_signature},
                         {"TemplateCode", it->second.id},
                         {"TemplateParam", params.dump()},
                         {"OutId", receipt_ref(job.store, job.job_id)}},
                        now);
    } catch (const HttpError& e) {
        return {Outcome::retry, {}, e.what(), std::nullopt, e.maybe_sent()};
    }
    const auto body = json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("Code")) {
        // No answer we can read: 5xx from a proxy, or a broken body. The
        // request reached Aliyun's front; it may have gone.
        return {Outcome::retry,
                {},
                "aliyun: HTTP " + std::to_string(response.status) + " without a readable answer",
                std::nullopt,
                response.status >= 500 || response.status == 200};
    }
    return aliyun_result(body.value("Code", ""), body.value("Message", ""), body.value("BizId", ""),
                         now);
}

AliyunSender::Lookup AliyunSender::look_up(const std::string& e164, SysSeconds sent_at,
                                           const std::string& biz_id,
                                           const std::vector<std::string>& out_ids,
                                           SysSeconds now) {
    using Status = Lookup::Status;
    const Date day = local_date(sent_at, beijing());
    const std::string send_date = date::format("%Y%m%d", date::sys_days{day});
    for (int page = 1; page <= 20; ++page) {
        AliyunParams params{{"Action", "QuerySendDetails"},
                            {"PhoneNumber", aliyun_phone(e164)},
                            {"SendDate", send_date},
                            {"PageSize", "50"},
                            {"CurrentPage", std::to_string(page)}};
        if (!biz_id.empty()) params["BizId"] = biz_id;
        HttpResponse response;
        try {
            response = call(std::move(params), now);
        } catch (const HttpError& e) {
            return {Status::failed, 0, {}, {}, e.what()};
        }
        const auto body = json::parse(response.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() || body.value("Code", "") != "OK") {
            const std::string code = body.is_object() ? body.value("Code", "")
                                                      : "HTTP " + std::to_string(response.status);
            return {Status::failed, 0, {}, {}, "QuerySendDetails: " + code};
        }
        const auto dtos = body.contains("SmsSendDetailDTOs")
                              ? body["SmsSendDetailDTOs"].value("SmsSendDetailDTO", json::array())
                              : json::array();
        for (const auto& d : dtos) {
            if (!d.is_object()) continue;
            const std::string out_id = d.value("OutId", "");
            if (std::find(out_ids.begin(), out_ids.end(), out_id) == out_ids.end()) continue;
            const auto status = d.find("SendStatus");
            return {Status::found,
                    status != d.end() && status->is_number_integer() ? status->get<long long>() : 0,
                    d.value("ErrCode", ""),
                    d.value("BizId", ""),
                    {}};
        }
        if (dtos.size() < 50) break;
    }
    return {Status::not_listed, 0, {}, {}, "not in QuerySendDetails for " + send_date};
}

Verification AliyunSender::verify(const JobMessage& job, SysSeconds since, SysSeconds now) {
    // Our reference, or the job id alone (what was sent before it named the store).
    const auto found =
        look_up(job.to, since, {}, {receipt_ref(job.store, job.job_id), job.job_id}, now);
    switch (found.status) {
        case Lookup::Status::found:
            return {Verification::Verdict::sent, found.biz_id.empty() ? job.job_id : found.biz_id,
                    "found by OutId in QuerySendDetails"};
        case Lookup::Status::not_listed:
            return {Verification::Verdict::not_sent, {}, found.error};
        case Lookup::Status::failed:
            break;
    }
    return {Verification::Verdict::try_later, {}, found.error};
}

}  // namespace huitou
