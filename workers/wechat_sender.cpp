#include "workers/wechat_sender.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/wechat_fields.h"
#include "workers/aliyun_sender.h"
#include "workers/crypto_util.h"
#include "workers/wechat_msgids.h"

namespace huitou {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// WeChat's documented dedupe window for client_msg_id is ten minutes; resend
// only well inside it.
constexpr auto dedupe_window = 9min;

}  // namespace

bool is_wechat_service_notice(Kind kind) {
    return is_service_notice(kind);
}

std::string wechat_client_msg_id(const std::string& store, const std::string& job_id) {
    const std::string id = store + ":" + job_id;
    if (id.size() <= 64) return id;
    return hex_lower(sha256(id));
}

SendResult wechat_result(long errcode, const std::string& errmsg, const std::string& msgid,
                         SysSeconds now) {
    const std::string error = "wechat " + std::to_string(errcode) + ": " + errmsg;
    switch (errcode) {
        case 0:
            return {Outcome::sent, msgid, {}, std::nullopt};
        case 45065:
            // "clientmsgid exist": a message with this client_msg_id already
            // went — the resend of a message that may have gone (WeChat's mass
            // send answers a repeated id so; for template messages the answer
            // is not documented, and one with errcode 0 is as good).
            return {
                Outcome::sent, msgid.empty() ? "client_msg_id exists" : msgid, {}, std::nullopt};
        case 43004:  // the member does not follow the account
        case 43101:  // the member refused (unsubscribed) the notices
            return {Outcome::consent_lost, {}, error, std::nullopt};
        case 45009:  // the account's daily quota: stop until tomorrow
            return {Outcome::account_problem, {}, error, next_beijing_midnight(now)};
        case -1:     // system busy
        case 45011:  // API calls too frequent
            return {Outcome::retry, {}, error, std::nullopt};
        case 48001:  // API not authorised for this account
        case 40013:  // invalid appid
        case 40125:  // invalid secret
        case 40164:  // caller IP not whitelisted
        case 50002:  // account restricted
            return {Outcome::account_problem, {}, error, std::nullopt};
        default:
            // 47003 (a field's value: errmsg names it), 40003 (openid),
            // 40037 (template id) ...: this message will never go.
            return {Outcome::failed, {}, error, std::nullopt};
    }
}

WechatSender::WechatSender(const Config& /*config*/, const ProviderConfig& provider,
                           std::string app_secret, RedisConnection& redis)
    : provider_(provider),
      redis_(redis),
      token_(redis, http_, provider.wechat, std::move(app_secret), provider.http_timeout) {
    if (provider_.wechat.app_id.empty())
        throw ConfigError("wechat.official.app_id: required for the wechat provider");
}

std::optional<std::string> WechatSender::body(const JobMessage& job, std::string* error) const {
    const auto it = provider_.wechat.templates.find(provider_template_key(job.kind, job.params));
    if (it == provider_.wechat.templates.end()) {
        if (error)
            *error = "no WeChat template for " + std::string(to_string(job.kind)) +
                     " (wechat.official.templates)";
        return std::nullopt;
    }
    const auto& t = it->second;
    json data = json::object();
    for (const auto& [field, param] : t.fields) {
        std::string value;
        if (param == "text") {
            value = job.text;
        } else if (const auto p = job.params.find(param); p != job.params.end()) {
            value = p->second;
        }
        data[field] = {{"value", fit_wechat_field(field, value)}};
    }
    json body{{"touser", job.to}, {"template_id", t.id}, {"data", data}};
    if (is_wechat_service_notice(job.kind)) {
        body["client_msg_id"] = wechat_client_msg_id(job.store, job.job_id);
        if (!t.page.empty()) body["url"] = t.page;
    } else if (!t.page.empty()) {
        body["page"] = t.page;
    }
    return body.dump();
}

SendResult WechatSender::send(const JobMessage& job, SysSeconds now) {
    std::string error;
    const auto payload = body(job, &error);
    if (!payload) return {Outcome::failed, {}, error, std::nullopt};
    const std::string path = is_wechat_service_notice(job.kind)
                                 ? "/cgi-bin/message/template/send"
                                 : "/cgi-bin/message/subscribe/bizsend";
    for (int round = 0; round < 2; ++round) {
        std::string token;
        try {
            token = token_.get();
        } catch (const WechatTokenError& e) {
            return wechat_result(e.errcode(), e.what(), {}, now);
        } catch (const HttpError& e) {
            return {Outcome::retry, {}, e.what(), std::nullopt, false};  // nothing was sent
        }
        HttpResponse response;
        try {
            response = http_.perform({"POST",
                                      provider_.wechat.api_base + path + "?access_token=" + token,
                                      {"Content-Type: application/json"},
                                      *payload,
                                      provider_.http_timeout});
        } catch (const HttpError& e) {
            return {Outcome::retry, {}, e.what(), std::nullopt, e.maybe_sent()};
        }
        // Only WeChat's own answer counts: HTTP 200 with an integer errcode.
        // Anything else — a proxy's 502 {"message":"Bad Gateway"}, a 500, a
        // 200 without errcode — is no answer: try again, and since the request
        // went through, it may have gone.
        const auto answer = json::parse(response.body, nullptr, false);
        const auto errcode = answer.is_object() ? answer.find("errcode") : answer.end();
        if (response.status != 200 || !answer.is_object() || errcode == answer.end() ||
            !errcode->is_number_integer()) {
            return {Outcome::retry,
                    {},
                    "wechat: HTTP " + std::to_string(response.status) + " without an errcode",
                    std::nullopt,
                    response.status >= 500 || response.status == 200};
        }
        const long code = errcode->get<long>();
        const auto errmsg = answer.find("errmsg");
        const std::string msg =
            errmsg != answer.end() && errmsg->is_string() ? errmsg->get<std::string>() : "";
        if (code == 40001 || code == 42001) {
            // The shared token is stale: drop it (if still current), take a
            // fresh one, and call once more.
            token_.invalidate(token);
            if (round == 0) continue;
            return {
                Outcome::retry, {}, "wechat " + std::to_string(code) + ": " + msg, std::nullopt};
        }
        std::string msgid;
        for (const char* name : {"msgid", "msg_id"}) {
            if (!answer.contains(name) || !msgid.empty()) continue;
            const auto& m = answer[name];
            msgid = m.is_string() ? m.get<std::string>() : m.dump();
        }
        auto result = wechat_result(code, msg, msgid, now);
        if (result.outcome == Outcome::sent && !msgid.empty()) remember(job, msgid);
        return result;
    }
    return {Outcome::retry, {}, "wechat: token refresh did not help", std::nullopt};
}

void WechatSender::remember(const JobMessage& job, const std::string& msgid) {
    // The message went: a lost lookup costs only its delivery event (the job
    // stays sent), so a Redis failure here is logged, not the send's result.
    try {
        remember_wechat_msgid(redis_, provider_.wechat.app_id, msgid, job.store, job.job_id);
    } catch (const RedisError& e) {
        spdlog::warn("{} {}: msgid {} not kept, its delivery event will be ignored: {}", job.store,
                     job.job_id, msgid, e.what());
    } catch (const RedisReplyError& e) {
        spdlog::warn("{} {}: msgid {} not kept, its delivery event will be ignored: {}", job.store,
                     job.job_id, msgid, e.reply());
    }
}

Verification WechatSender::verify(const JobMessage& job, SysSeconds since, SysSeconds now) {
    if (is_wechat_service_notice(job.kind) && now - since < dedupe_window) {
        // Sent again with the same client_msg_id, WeChat delivers it once.
        return {Verification::Verdict::not_sent, {}, "within WeChat's client_msg_id window"};
    }
    return {Verification::Verdict::unknown,
            {},
            is_wechat_service_notice(job.kind) ? "past WeChat's ten-minute client_msg_id window"
                                               : "subscription notices have no dedupe id"};
}

}  // namespace huitou
