// TencentSender against a local server playing sms.tencentcloudapi.com: the
// TC3-HMAC-SHA256 signature the server recomputes from what it received, the
// request body, and the documented answers: Ok, the per-number limits, a
// member's blacklist, authentication failures, 5xx and a timeout.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "workers/tc3_signature.h"
#include "workers/tencent_sender.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* secret_id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
constexpr const char* secret_key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";

Config tencent_config(const std::string& endpoint) {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
sms_signature = "童乐玩具店"
[sms]
provider = "tencent"
http_timeout_ms = 300
[sms.tencent]
endpoint = ")" + endpoint + R"("
region = "ap-guangzhou"
sdk_app_id = "1400006666"
secret_id = ")" + secret_id +
                            R"("
secret_key_file = "/nonexistent"
[sms.tencent.templates.birthday]
id = "449739"
params = ["honorific", "store"]
)",
                        "tencent.toml");
}

JobMessage job() {
    JobMessage j;
    j.store = "toyland";
    j.job_id = "birthday:M1:2027-09-15";
    j.member_id = "M1";
    j.kind = Kind::birthday;
    j.channel = Channel::sms;
    j.to = "+8613800138000";
    j.params = {{"honorific", "王女士"}, {"store", "童乐玩具"}};
    j.attempt = 1;
    j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    return j;
}

}  // namespace

TEST_CASE("Tencent SendSms: signature, body and answers") {
    // The answer's state before the server: the server stops (and its
    // handlers finish) before what they read is destroyed.
    json answer;
    int status = 200;
    auto delay = 0ms;
    HttpServer tencent;
    tencent.server().Post("/", [&](const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(delay);
        res.status = status;
        res.set_content(answer.dump(), "application/json");
    });
    tencent.start();
    const Config config = tencent_config(tencent.url());
    TencentSender sender(config, config.sms, secret_key);
    const SysSeconds now = *parse_instant("2027-09-15T10:00:00+08:00");
    const auto per_number = [&](const char* code, const char* message) {
        answer = {
            {"Response",
             {{"SendStatusSet", json::array({{{"SerialNo", "5000:1045710669157053657849499619"},
                                              {"PhoneNumber", "+8613800138000"},
                                              {"Fee", 1},
                                              {"SessionContext", "birthday:M1:2027-09-15"},
                                              {"Code", code},
                                              {"Message", message},
                                              {"IsoCode", "CN"}}})},
              {"RequestId", "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}}};
    };
    const auto request_error = [&](const char* code) {
        answer = {{"Response",
                   {{"Error", {{"Code", code}, {"Message", "as documented"}}},
                    {"RequestId", "a0aabda6"}}}};
    };

    SECTION("Ok: sent with the SerialNo; the server can verify the signature") {
        per_number("Ok", "send success");
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::sent);
        CHECK(r.provider_ref == "5000:1045710669157053657849499619");
        REQUIRE(eventually([&] { return tencent.seen().size() == 1; }));
        const auto req = tencent.seen().front();
        CHECK(req.header("X-TC-Action") == "SendSms");
        CHECK(req.header("X-TC-Version") == "2021-01-11");
        CHECK(req.header("X-TC-Region") == "ap-guangzhou");
        // Signed with the real time, not the worker's (simulated) clock.
        const SysSeconds stamp{std::chrono::seconds{std::stoll(req.header("X-TC-Timestamp"))}};
        CHECK(std::chrono::abs(stamp - std::chrono::floor<std::chrono::seconds>(
                                           std::chrono::system_clock::now())) < 60s);
        // Recompute the signature from what arrived, as Tencent does.
        const std::string host = req.header("Host");
        CHECK(host == "127.0.0.1:" + std::to_string(tencent.port()));
        Tc3Request signed_request;
        signed_request.host = host;
        signed_request.service = "sms";
        const std::string content_type = req.header("Content-Type");
        CHECK(content_type == "application/json; charset=utf-8");
        signed_request.content_type = content_type;
        signed_request.payload = req.body;
        signed_request.timestamp = stamp;
        CHECK(req.header("Authorization") ==
              tc3_authorization(signed_request, {secret_id, secret_key}));
        const auto body = json::parse(req.body);
        CHECK(body["PhoneNumberSet"] == json::array({"+8613800138000"}));
        CHECK(body["SmsSdkAppId"] == "1400006666");
        CHECK(body["SignName"] == "童乐玩具店");
        CHECK(body["TemplateId"] == "449739");
        CHECK(body["TemplateParamSet"] == json::array({"王女士", "童乐玩具"}));
        CHECK(body["SessionContext"] == "birthday:M1:2027-09-15");
    }

    SECTION("per-number limits: the next window, never now") {
        per_number("LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内");
        CHECK(sender.send(job(), now).retry_at == now + 30s);
        per_number("LimitExceeded.PhoneNumberOneHourLimit", "1小时内");
        CHECK(sender.send(job(), now).retry_at == now + 3600s);
        per_number("LimitExceeded.PhoneNumberDailyLimit", "当天");
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
    }

    SECTION("the member's blacklist is a lost consent; account errors stop the channel") {
        per_number("FailedOperation.PhoneNumberInBlacklist", "手机号在免打扰名单库中");
        CHECK(sender.send(job(), now).outcome == Outcome::consent_lost);
        request_error("AuthFailure.SignatureFailure");
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        per_number("FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足");
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        per_number("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误");
        CHECK(sender.send(job(), now).outcome == Outcome::failed);
        request_error("RequestLimitExceeded");
        CHECK(sender.send(job(), now).outcome == Outcome::retry);
    }

    SECTION("5xx without an answer, and a timeout") {
        status = 502;
        answer = json::object();
        auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        status = 200;
        per_number("Ok", "send success");
        delay = 600ms;
        r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        // Tencent cannot be asked by our id: such a job is never sent again.
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::unknown);
    }
}
