// AliyunSender against a local server playing Dysmsapi. The server is a fake
// with rules of its own, as Aliyun's documents state them: it checks every
// request's RPC signature with its own signer (tests/support/
// provider_signatures.h, not the production one) and refuses a wrong one
// with SignatureDoesNotMatch; SendSms records each message (number, OutId,
// the fake's clock); QuerySendDetails answers from those records, filtered
// by PhoneNumber and SendDate (yyyyMMdd, Beijing time) and paged by PageSize
// and CurrentPage. The tests: the request as documented, the answers and
// error codes, 5xx, and a timeout resolved by QuerySendDetails.
#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/provider_signatures.h"
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

const date::time_zone* beijing() {
    static const date::time_zone* zone = date::locate_zone("Asia/Shanghai");
    return zone;
}

// "2027-09-15 10:00:00", Beijing time, as QuerySendDetails writes dates.
std::string aliyun_time(SysSeconds t) {
    std::string s = format_instant(t, beijing()).substr(0, 19);
    s[10] = ' ';
    return s;
}

// One message Aliyun has (SendSms took it).
struct AliyunRecord {
    std::string phone;  // as PhoneNumbers carried it: 11 digits for the mainland
    std::string out_id;
    std::string biz_id;
    SysSeconds at;  // on the fake's clock
};

// Plays Dysmsapi 2017-05-25 with its own signature check and its own records.
struct FakeAliyun {
    std::mutex mutex;
    // The fake's clock: the send time of what SendSms records (the tests'
    // simulated day, so that SendDate can be checked).
    SysSeconds clock;
    // What SendSms answers; a message is recorded only with Code OK.
    std::string code = "OK", message = "OK";
    int status = 200;
    // An answer that comes late (a timeout); a message is taken before it.
    std::chrono::milliseconds delay{0};
    bool check_signatures = true;  // off only to show a test depends on it
    std::vector<AliyunRecord> records;
    std::set<std::string> nonces;
    int refused = 0;  // requests refused for their signature
    int next_biz = 1;
    HttpServer http;  // last: stopped first, before the state its handlers read

    explicit FakeAliyun(SysSeconds now) : clock(now) {
        http.server().Get(
            "/", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
        http.start();
    }

    void add(const std::string& phone, const std::string& out_id, SysSeconds at) {
        std::lock_guard lock(mutex);
        records.push_back({phone, out_id, std::to_string(next_biz++) + "^0", at});
    }
    std::vector<AliyunRecord> sent() {
        std::lock_guard lock(mutex);
        return records;
    }

    static void answer(httplib::Response& res, int status, json body) {
        body["RequestId"] = "F655A8D5-B967-440B-8683-DAD6FF8DE990";
        res.status = status;
        res.set_content(body.dump(), "application/json");
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        std::map<std::string, std::string> p;
        for (const auto& [k, v] : req.params)
            p[k] = v;
        {
            std::lock_guard lock(mutex);
            if (p["AccessKeyId"] != "testId")
                return answer(res, 404,
                              {{"Code", "InvalidAccessKeyId.NotFound"},
                               {"Message", "Specified access key is not found."}});
            if (check_signatures &&
                p["Signature"] != aliyun_expected_signature(req.method, p, secret)) {
                ++refused;
                return answer(res, 400,
                              {{"Code", "SignatureDoesNotMatch"},
                               {"Message",
                                "Specified signature is not matched with our "
                                "calculation."}});
            }
            const auto stamp = parse_instant(p["Timestamp"]);
            const auto real_now =
                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            if (!stamp || std::chrono::abs(*stamp - real_now) > 15min)
                return answer(res, 400,
                              {{"Code", "InvalidTimeStamp.Expired"},
                               {"Message", "Specified time stamp or date value is expired."}});
            if (!nonces.insert(p["SignatureNonce"]).second)
                return answer(res, 400,
                              {{"Code", "SignatureNonceUsed"},
                               {"Message", "Specified signature nonce was used already."}});
        }
        if (p["Action"] == "QuerySendDetails") return query(p, res);
        if (p["Action"] != "SendSms")
            return answer(res, 404, {{"Code", "InvalidAction.NotFound"}, {"Message", p["Action"]}});
        std::string biz_id;
        {
            std::lock_guard lock(mutex);
            if (code == "OK") {
                std::stringstream numbers(p["PhoneNumbers"]);
                std::string phone;
                biz_id = "900619746936498440^" + std::to_string(next_biz++);
                while (std::getline(numbers, phone, ','))
                    records.push_back({phone, p["OutId"], biz_id, clock});
            }
        }
        std::this_thread::sleep_for(delay);
        std::lock_guard lock(mutex);
        answer(res, status, {{"Code", code}, {"Message", message}, {"BizId", biz_id}});
    }

    void query(std::map<std::string, std::string>& p, httplib::Response& res) {
        const auto number = [&](const char* name) -> long {
            const std::string& v = p[name];
            if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return -1;
            return std::stol(v);
        };
        const long size = number("PageSize"), page = number("CurrentPage");
        if (p["PhoneNumber"].empty() || p["SendDate"].size() != 8 || size < 1 || size > 50 ||
            page < 1)
            return answer(res, 400, {{"Code", "isv.INVALID_PARAMETERS"}, {"Message", "参数异常"}});
        std::lock_guard lock(mutex);
        std::vector<json> found;
        for (const auto& r : records) {
            const std::string day =
                date::format("%Y%m%d", date::sys_days{local_date(r.at, beijing())});
            if (r.phone != p["PhoneNumber"] || day != p["SendDate"]) continue;
            if (!p["BizId"].empty() && r.biz_id != p["BizId"]) continue;
            found.push_back({{"PhoneNum", r.phone},
                             {"SendStatus", 3},
                             {"ErrCode", "DELIVERED"},
                             {"TemplateCode", "SMS_153055065"},
                             {"Content", "【童乐玩具】王女士，童乐玩具祝您生日快乐！"},
                             {"SendDate", aliyun_time(r.at)},
                             {"ReceiveDate", aliyun_time(r.at)},
                             {"OutId", r.out_id}});
        }
        json dtos = json::array();
        for (std::size_t i = static_cast<std::size_t>((page - 1) * size);
             i < found.size() && dtos.size() < static_cast<std::size_t>(size); ++i)
            dtos.push_back(found[i]);
        answer(res, 200,
               {{"Code", "OK"},
                {"Message", "OK"},
                {"TotalCount", found.size()},
                {"SmsSendDetailDTOs", {{"SmsSendDetailDTO", dtos}}}});
    }
};

std::vector<SeenRequest> queries(HttpServer& http) {
    std::vector<SeenRequest> out;
    for (const auto& seen : http.seen())
        if (seen.param("Action") == "QuerySendDetails") out.push_back(seen);
    return out;
}

}  // namespace

TEST_CASE("The fake Aliyun's own signer reproduces Aliyun's documented example") {
    // Aliyun's signing document (see tests/unit/aliyun_signature_test.cpp for
    // the source): these parameters under testSecret sign to
    // zJDF+Lrzhj/ThnlvIToysFRq6t4=. The fake's check is only as good as this.
    const std::map<std::string, std::string> params = {
        {"SignatureMethod", "HMAC-SHA1"},
        {"SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"},
        {"AccessKeyId", "testId"},
        {"SignatureVersion", "1.0"},
        {"Timestamp", "2017-07-12T02:42:19Z"},
        {"Format", "XML"},
        {"Action", "SendSms"},
        {"Version", "2017-05-25"},
        {"RegionId", "cn-hangzhou"},
        {"PhoneNumbers", "15300000001"},
        {"SignName", "阿里云短信测试专用"},
        {"TemplateParam", "{\"customer\":\"test\"}"},
        {"TemplateCode", "SMS_71390007"},
        {"OutId", "123"},
    };
    CHECK(aliyun_expected_signature("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    CHECK(aliyun_expected_signature("GET", params, "otherSecret") !=
          "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
}

TEST_CASE("Aliyun SendSms: request, signature and answers") {
    const SysSeconds now = *parse_instant("2027-09-15T10:00:00+08:00");
    FakeAliyun aliyun(now);
    const Config config = aliyun_config(aliyun.http.url());
    AliyunSender sender(config, config.sms, secret);

    SECTION("OK: sent, with the BizId; the request as documented, its signature accepted") {
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::sent);
        CHECK(r.provider_ref == "900619746936498440^1");
        CHECK(aliyun.refused == 0);
        REQUIRE(aliyun.sent().size() == 1);
        CHECK(aliyun.sent()[0].out_id == "birthday:M1:2027-09-15");
        REQUIRE(eventually([&] { return aliyun.http.seen().size() == 1; }));
        const auto req = aliyun.http.seen().front();
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
        // A fresh nonce per request (the fake refuses a nonce used twice).
        CHECK(sender.send(job(), now).outcome == Outcome::sent);
        REQUIRE(eventually([&] { return aliyun.http.seen().size() == 2; }));
        CHECK(aliyun.http.seen()[1].param("SignatureNonce") != req.param("SignatureNonce"));
    }

    SECTION("a wrong secret: the fake's own check refuses it, SignatureDoesNotMatch") {
        // Nothing set by hand: the fake recomputes the signature and refuses.
        AliyunSender wrong(config, config.sms, "not-the-secret");
        const auto r = wrong.send(job(), now);
        CHECK(r.outcome == Outcome::account_problem);
        CHECK(r.error.find("SignatureDoesNotMatch") != std::string::npos);
        CHECK(aliyun.refused == 1);
        CHECK(aliyun.sent().empty());
        // Its lookups are refused too: verify cannot conclude, and says so.
        const auto v = wrong.verify(job(), now, now + 60s);
        CHECK(v.verdict == Verification::Verdict::try_later);
        CHECK(aliyun.refused == 2);
    }

    SECTION("throttled per number: try in the next window, never now") {
        aliyun.code = "isv.BUSINESS_LIMIT_CONTROL";
        aliyun.message = "触发分钟级流控Permits:1";
        auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.retry_at == now + 60s);
        aliyun.message = "触发小时级流控Permits:5";
        CHECK(sender.send(job(), now).retry_at == now + 3600s);
        aliyun.message = "触发天级流控Permits:10";
        CHECK(sender.send(job(), now).retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
        CHECK(aliyun.sent().empty());
    }

    SECTION("account codes stop the channel; message codes fail; the daily cap waits a day") {
        aliyun.code = "isv.AMOUNT_NOT_ENOUGH";
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        aliyun.code = "isv.OUT_OF_SERVICE";
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        aliyun.code = "isv.MOBILE_NUMBER_ILLEGAL";
        CHECK(sender.send(job(), now).outcome == Outcome::failed);
        aliyun.code = "isv.SMS_SIGNATURE_SCENE_ILLEGAL";
        CHECK(sender.send(job(), now).outcome == Outcome::failed);
        aliyun.code = "isv.DAY_LIMIT_CONTROL";
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::account_problem);
        CHECK(r.retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
    }

    SECTION("a 5xx: retry, and it may have gone") {
        aliyun.status = 500;
        aliyun.code = "InternalError";
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
    }

    SECTION("a timeout after Aliyun took it: QuerySendDetails finds our OutId, so sent") {
        aliyun.delay = 600ms;
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        aliyun.delay = 0ms;
        REQUIRE(aliyun.sent().size() == 1);
        const auto v = sender.verify(job(), now, now + 60s);
        CHECK(v.verdict == Verification::Verdict::sent);
        REQUIRE(eventually([&] { return queries(aliyun.http).size() == 1; }));
        const auto q = queries(aliyun.http);
        CHECK(q[0].param("PhoneNumber") == "13800138000");
        CHECK(q[0].param("SendDate") == "20270915");
        CHECK(q[0].param("PageSize") == "50");
        CHECK(q[0].param("CurrentPage") == "1");
        CHECK(aliyun.refused == 0);
    }

    SECTION("a timeout before Aliyun took it: not found, so it may be sent") {
        aliyun.delay = 600ms;
        aliyun.code = "isp.SYSTEM_ERROR";  // late, and it took nothing
        CHECK(sender.send(job(), now).maybe_sent);
        aliyun.delay = 0ms;
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::not_sent);
    }

    SECTION("QuerySendDetails is asked for the number, the day and page after page") {
        const auto other_day = *parse_instant("2027-09-14T23:59:00+08:00");
        const auto early = *parse_instant("2027-09-15T00:10:00+08:00");  // 09-14 in UTC
        // Ours, to another number, and on another day: none of them is this job's.
        aliyun.add("13900139000", "birthday:M1:2027-09-15", early);
        aliyun.add("13800138000", "birthday:M1:2027-09-15", other_day);
        CHECK(sender.verify(job(), early, now).verdict == Verification::Verdict::not_sent);
        // 120 other messages to the number that day, then ours: on page 3.
        for (int i = 0; i < 120; ++i)
            aliyun.add("13800138000", "festival:M1:" + std::to_string(i), early);
        aliyun.add("13800138000", "birthday:M1:2027-09-15", early);
        REQUIRE(eventually([&] { return queries(aliyun.http).size() == 1; }));
        const auto before = queries(aliyun.http).size();
        const auto v = sender.verify(job(), early, now);
        CHECK(v.verdict == Verification::Verdict::sent);
        REQUIRE(eventually([&] { return queries(aliyun.http).size() == before + 3; }));
        const auto q = queries(aliyun.http);
        CHECK(q[before].param("CurrentPage") == "1");
        CHECK(q[before + 2].param("CurrentPage") == "3");
        CHECK(q[before + 2].param("SendDate") == "20270915");  // Beijing's day, not UTC's
    }
}
