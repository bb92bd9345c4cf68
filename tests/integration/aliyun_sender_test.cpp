// AliyunSender against a local server playing Dysmsapi: the request it
// receives (parameters, and a signature the server recomputes with the
// secret), the documented answers and error codes, 5xx, a timeout, and
// QuerySendDetails before sending again.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "workers/aliyun_sender.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* secret = "testSecret";

Config aliyun_config(const std::string& endpoint) {
    auto c = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[sms]
provider = "aliyun"
http_timeout_ms = 300
[sms.aliyun]
endpoint = ")" + endpoint + R"(/"
access_key_id = "testId"
access_key_secret_env = "UNUSED"
[sms.aliyun.templates.birthday]
id = "SMS_153055065"
params = ["honorific", "store"]
)",
                          "aliyun.toml");
    return c;
}

JobMessage job() {
    JobMessage j;
    j.store = "toyland";
    j.job_id = "birthday:M1:2027-09-15";
    j.member_id = "M1";
    j.kind = Kind::birthday;
    j.channel = Channel::sms;
    j.to = "+8613800138000";
    j.text = "王女士，童乐玩具祝您生日快乐！";
    j.params = {{"honorific", "王女士"}, {"store", "童乐玩具"}, {"name", "王芳"}};
    j.attempt = 1;
    j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    return j;
}

// The signature a request carries matches one computed from its parameters.
bool signed_correctly(const SeenRequest& r) {
    AliyunParams params;
    for (const auto& [k, v] : r.params)
        if (k != "Signature") params[k] = v;
    return aliyun_rpc_signature("GET", params, secret) == r.param("Signature");
}

}  // namespace

TEST_CASE("Aliyun SendSms: request, signature and answers") {
    // The answer's state before the server: the server stops (and its
    // handlers finish) before what they read is destroyed.
    std::string code = "OK", message = "OK";
    int status = 200;
    auto delay = 0ms;
    json details = json::array();
    HttpServer aliyun;
    aliyun.server().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
        if (req.get_param_value("Action") == "QuerySendDetails") {
            res.set_content(json{{"Code", "OK"},
                                 {"Message", "OK"},
                                 {"TotalCount", details.size()},
                                 {"SmsSendDetailDTOs", {{"SmsSendDetailDTO", details}}}}
                                .dump(),
                            "application/json");
            return;
        }
        std::this_thread::sleep_for(delay);
        res.status = status;
        res.set_content(json{{"Code", code},
                             {"Message", message},
                             {"BizId", "900619746936498440^0"},
                             {"RequestId", "F655A8D5-B967-440B-8683-DAD6FF8DE990"}}
                            .dump(),
                        "application/json");
    });
    aliyun.start();
    const Config config = aliyun_config(aliyun.url());
    AliyunSender sender(config, config.sms, secret);
    const SysSeconds now = *parse_instant("2027-09-15T10:00:00+08:00");

    SECTION("OK: sent, with the BizId; the request as documented, correctly signed") {
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::sent);
        CHECK(r.provider_ref == "900619746936498440^0");
        REQUIRE(eventually([&] { return aliyun.seen().size() == 1; }));
        const auto req = aliyun.seen().front();
        CHECK(signed_correctly(req));
        CHECK(req.param("Action") == "SendSms");
        CHECK(req.param("Version") == "2017-05-25");
        CHECK(req.param("AccessKeyId") == "testId");
        CHECK(req.param("SignatureMethod") == "HMAC-SHA1");
        CHECK(req.param("SignatureVersion") == "1.0");
        // Signed with the real time (ISO 8601 UTC), not the worker's clock.
        const auto stamp = parse_instant(req.param("Timestamp"));
        REQUIRE(stamp);
        CHECK(req.param("Timestamp").size() == 20);
        CHECK(std::chrono::abs(*stamp - std::chrono::floor<std::chrono::seconds>(
                                            std::chrono::system_clock::now())) < 60s);
        CHECK(req.param("PhoneNumbers") == "13800138000");
        CHECK(req.param("SignName") == "童乐玩具");
        CHECK(req.param("TemplateCode") == "SMS_153055065");
        CHECK(json::parse(req.param("TemplateParam")) ==
              json{{"honorific", "王女士"}, {"store", "童乐玩具"}});
        CHECK(req.param("OutId") == "birthday:M1:2027-09-15");
        // A fresh nonce per request.
        sender.send(job(), now);
        REQUIRE(eventually([&] { return aliyun.seen().size() == 2; }));
        CHECK(aliyun.seen()[1].param("SignatureNonce") != req.param("SignatureNonce"));
    }

    SECTION("a wrong secret: Aliyun's SignatureDoesNotMatch is an account problem") {
        // The server recomputes the signature and refuses a wrong one, as Aliyun does.
        AliyunSender wrong(config, config.sms, "not-the-secret");
        code = "SignatureDoesNotMatch";
        message = "Specified signature is not matched with our calculation.";
        const auto r = wrong.send(job(), now);
        CHECK(r.outcome == Outcome::account_problem);
        REQUIRE(eventually([&] { return aliyun.seen().size() == 1; }));
        CHECK_FALSE(signed_correctly(aliyun.seen().front()));
    }

    SECTION("throttled per number: try in the next window, never now") {
        code = "isv.BUSINESS_LIMIT_CONTROL";
        message = "触发分钟级流控Permits:1";
        auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.retry_at == now + 60s);
        message = "触发小时级流控Permits:5";
        CHECK(sender.send(job(), now).retry_at == now + 3600s);
        message = "触发天级流控Permits:10";
        CHECK(sender.send(job(), now).retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
    }

    SECTION("account codes stop the channel; message codes fail; the daily cap waits a day") {
        code = "isv.AMOUNT_NOT_ENOUGH";
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        code = "isv.OUT_OF_SERVICE";
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        code = "isv.MOBILE_NUMBER_ILLEGAL";
        CHECK(sender.send(job(), now).outcome == Outcome::failed);
        code = "isv.SMS_SIGNATURE_SCENE_ILLEGAL";
        CHECK(sender.send(job(), now).outcome == Outcome::failed);
        code = "isv.DAY_LIMIT_CONTROL";
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::account_problem);
        CHECK(r.retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
    }

    SECTION("a 5xx: retry, and it may have gone") {
        status = 500;
        code = "InternalError";
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
    }

    SECTION("a timeout may have gone: verify asks QuerySendDetails before sending again") {
        delay = 600ms;
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        delay = 0ms;

        auto v = sender.verify(job(), now, now + 60s);
        CHECK(v.verdict == Verification::Verdict::not_sent);
        REQUIRE(eventually([&] { return aliyun.seen().size() == 2; }, 3s));
        SeenRequest query;
        for (const auto& seen : aliyun.seen())
            if (seen.param("Action") == "QuerySendDetails") query = seen;
        CHECK(signed_correctly(query));
        CHECK(query.param("Action") == "QuerySendDetails");
        CHECK(query.param("PhoneNumber") == "13800138000");
        CHECK(query.param("SendDate") == "20270915");

        details = json::array({json{{"PhoneNum", "13800138000"},
                                    {"SendStatus", 3},
                                    {"ErrCode", "DELIVERED"},
                                    {"TemplateCode", "SMS_153055065"},
                                    {"OutId", "birthday:M1:2027-09-15"}}});
        v = sender.verify(job(), now, now + 60s);
        CHECK(v.verdict == Verification::Verdict::sent);
    }
}
