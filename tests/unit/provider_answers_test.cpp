// How each provider's answers map to outcomes (the pure halves of the
// senders), and the small encodings they depend on.
#include <catch2/catch.hpp>

#include "core/config.h"
#include "workers/aliyun_sender.h"
#include "workers/kannel_sender.h"
#include "workers/tencent_sender.h"
#include "workers/wechat_sender.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {
const SysSeconds now = *parse_instant("2027-09-15T23:30:00+08:00");
const SysSeconds midnight = *parse_instant("2027-09-16T00:00:00+08:00");
}  // namespace

TEST_CASE("Aliyun codes") {
    CHECK(aliyun_result("OK", "OK", "BIZ", now).outcome == Outcome::sent);
    CHECK(aliyun_result("OK", "OK", "BIZ", now).provider_ref == "BIZ");
    CHECK(aliyun_result("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10", "", now).retry_at ==
          midnight);
    CHECK(aliyun_result("isv.INVALID_JSON_PARAM", "", "", now).outcome == Outcome::failed);
    CHECK(aliyun_result("isv.ACCOUNT_ABNORMAL", "", "", now).outcome == Outcome::account_problem);
    CHECK(aliyun_result("isp.SYSTEM_ERROR", "", "", now).maybe_sent);
    CHECK(aliyun_phone("+8613800138000") == "13800138000");
    CHECK(aliyun_phone("+85291234567") == "85291234567");
    CHECK(next_beijing_midnight(now) == midnight);
    CHECK(next_beijing_midnight(midnight) == midnight + 24h);
}

TEST_CASE("Tencent codes") {
    CHECK(tencent_result("Ok", "send success", "SN", now).outcome == Outcome::sent);
    CHECK(tencent_result("LimitExceeded.PhoneNumberSameContentDailyLimit", "", "", now).retry_at ==
          midnight);
    CHECK(tencent_result("LimitExceeded.AppDailyLimit", "", "", now).outcome ==
          Outcome::account_problem);
    CHECK(tencent_result("FailedOperation.PhoneNumberInBlacklist", "", "", now).outcome ==
          Outcome::consent_lost);
    CHECK(tencent_result("InternalError.Timeout", "", "", now).maybe_sent);
    CHECK(tencent_result("FailedOperation.ContainSensitiveWord", "", "", now).outcome ==
          Outcome::failed);
}

TEST_CASE("WeChat codes and ids") {
    CHECK(wechat_result(0, "ok", "1", now).outcome == Outcome::sent);
    CHECK(wechat_result(43004, "", "", now).outcome == Outcome::consent_lost);
    CHECK(wechat_result(43101, "", "", now).outcome == Outcome::consent_lost);
    CHECK(wechat_result(45009, "", "", now).retry_at == midnight);
    CHECK(wechat_result(47003, "argument invalid! data.thing1.value invalid", "", now).outcome ==
          Outcome::failed);
    // A repeated client_msg_id: the message with that id already went.
    CHECK(wechat_result(45065, "clientmsgid exist", "200228332", now).outcome == Outcome::sent);
    CHECK(wechat_result(45065, "clientmsgid exist", "200228332", now).provider_ref == "200228332");
    CHECK(is_wechat_service_notice(Kind::card_expiry));
    CHECK_FALSE(is_wechat_service_notice(Kind::birthday));
    CHECK(wechat_client_msg_id("toyland", "card_expiry:M1:2027-09-15") ==
          "toyland:card_expiry:M1:2027-09-15");
    const auto long_id = wechat_client_msg_id("toyland", "card_expiry:" + std::string(64, 'M'));
    CHECK(long_id.size() == 64);
}

TEST_CASE("Kannel: the composed text and the job id in a callback URL") {
    const Config c = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
sms_unsubscribe = "回T退订"
)",
                                  "t");
    JobMessage job;
    job.store = "toyland";
    job.text = "生日快乐";
    job.kind = Kind::birthday;
    CHECK(compose_job_sms(*c.find_store("toyland"), job) == "【童乐玩具】生日快乐回T退订");
    job.kind = Kind::card_expiry;
    CHECK(compose_job_sms(*c.find_store("toyland"), job) == "【童乐玩具】生日快乐");
    CHECK(callback_job_id("birthday:M1:2027-09-15") == "birthday:M1:2027-09-15");
    const std::string odd = "festival:M1:2027-10-01:国庆 &x";
    CHECK(callback_job_id(odd).starts_with("~"));
    CHECK(parse_callback_job_id(callback_job_id(odd)) == odd);
    CHECK(parse_callback_job_id("~zz") == std::nullopt);
}
