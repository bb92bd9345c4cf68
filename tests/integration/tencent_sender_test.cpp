// TencentSender against a local server playing sms.tencentcloudapi.com. The
// server is a fake with rules of its own, as Tencent's documents state them:
// it checks every request's TC3-HMAC-SHA256 signature with its own code
// (tests/support/provider_signatures.h, not the production signer) and
// refuses a wrong one with AuthFailure.SignatureFailure; SendSms records each
// message with its SessionContext; PullSmsSendStatusByPhoneNumber lists the
// number's messages that have a delivery report, between BeginTime and
// EndTime, Offset/Limit applied. The tests: the request body, the documented
// answers (Ok, the per-number limits, a member's blacklist, authentication),
// 5xx, and timeouts resolved through the status pull.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <limits>
#include <mutex>

#include <nlohmann/json.hpp>

#include "io/job_store.h"
#include "io/receipt_index.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/provider_signatures.h"
#include "tests/support/sent_jobs.h"
#include "tests/support/test_redis.h"
#include "workers/receipt_listener.h"
#include "workers/receipt_poller.h"
#include "workers/receipt_recorder.h"
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

long long unix_of(SysSeconds t) {
    return t.time_since_epoch().count();
}

// One message Tencent has, and its delivery report once the carrier sent one.
struct TencentRecord {
    std::string phone, session_context, serial_no;
    long long sent_at = 0;      // on the fake's clock
    std::string report_status;  // "SUCCESS", "FAIL", or "" (no report yet)
    long long report_at = 0;
    bool pulled = false;  // handed out by PullSmsSendStatus (each report once)
};

// Plays Tencent Cloud SMS 2021-01-11 with its own signature check.
struct FakeTencent {
    std::mutex mutex;
    SysSeconds clock;  // the fake's clock: when messages are sent and reported
    // SendSms's answer: the per-number Code, or a request-level error, or a
    // page that is no API answer at all (a proxy's 5xx).
    std::string code = "Ok", message = "send success", error_code;
    std::string page;  // non-empty: answered as is
    int status = 200;
    std::chrono::milliseconds delay{0};  // answered late: the client times out
    // Whether a message is taken: by default only with Code Ok; `took` forces
    // it (an InternalError or a timeout that sent after all).
    bool took = false;
    std::string report = "SUCCESS";  // the report a new message gets; "" for none yet
    std::string pull_error;          // PullSmsSendStatusByPhoneNumber answers this error
    std::vector<TencentRecord> records;
    int refused = 0;  // requests refused for their signature
    int serial = 0;
    HttpServer http;  // last: stopped first, before the state its handlers read

    explicit FakeTencent(SysSeconds now) : clock(now) {
        http.server().Post(
            "/", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
        http.start();
    }

    void add(const std::string& phone, const std::string& session, SysSeconds at,
             const std::string& status) {
        std::lock_guard lock(mutex);
        records.push_back({phone, session, "2019:" + std::to_string(++serial), unix_of(at), status,
                           unix_of(at) + 5});
    }
    // The carrier's reports arrive for every message without one.
    void deliver() {
        std::lock_guard lock(mutex);
        for (auto& r : records)
            if (r.report_status.empty()) {
                r.report_status = "SUCCESS";
                r.report_at = unix_of(clock);
            }
    }
    std::vector<TencentRecord> sent() {
        std::lock_guard lock(mutex);
        return records;
    }
    // The status callback array (短信下发状态回调) for the reported messages.
    std::string reports() {
        std::lock_guard lock(mutex);
        json array = json::array();
        for (const auto& r : records) {
            if (r.report_status.empty()) continue;
            const bool ok = r.report_status == "SUCCESS";
            array.push_back({{"user_receive_time", "2027-09-15 10:00:05"},
                             {"nationcode", "86"},
                             {"mobile", r.phone.substr(3)},
                             {"report_status", r.report_status},
                             {"errmsg", ok ? "DELIVRD" : "MK:0001"},
                             {"description", ok ? "用户短信送达成功" : "用户关机"},
                             {"sid", r.serial_no}});
        }
        return array.dump();
    }
    // Posts `body` to huitou's callback URL, as Tencent's status callback does.
    static httplib::Result push(int port, const std::string& query, const std::string& body) {
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(5);
        return client.Post(("/tencent/report" + query).c_str(), body, "application/json");
    }
    // PullSmsSendStatus: the account's reports not handed out before, each once.
    void pull_account(const json& body, httplib::Response& res) {
        const long long limit = body.value("Limit", 0LL);
        if (limit < 1 || limit > 100 || body.value("SmsSdkAppId", "") != "1400006666")
            return error(res, "InvalidParameterValue", "Limit or SmsSdkAppId");
        json set = json::array();
        for (auto& r : records) {
            if (r.report_status.empty() || r.pulled) continue;
            if (static_cast<long long>(set.size()) == limit) break;
            r.pulled = true;
            set.push_back(status_entry(r));
        }
        status_set(res, set);
    }
    // A PullSmsSendStatus entry (2021-01-11) for a reported message.
    static json status_entry(const TencentRecord& r) {
        return {{"UserReceiveTime", r.report_at},
                {"CountryCode", "86"},
                {"SubscriberNumber", r.phone.substr(3)},
                {"PhoneNumber", r.phone},
                {"SerialNo", r.serial_no},
                {"ReportStatus", r.report_status},
                {"Description", r.report_status == "SUCCESS" ? "DELIVRD" : "MK:0001"},
                {"SessionContext", r.session_context}};
    }
    static void status_set(httplib::Response& res, const json& set) {
        res.set_content(json{{"Response",
                              {{"PullSmsSendStatusSet", set},
                               {"RequestId", "b0aabda6-cf91-4f3e-a81f-9198114a2279"}}}}
                            .dump(),
                        "application/json");
    }
    std::vector<SeenRequest> seen(const std::string& action) {
        std::vector<SeenRequest> out;
        for (const auto& s : http.seen())
            if (s.header("X-TC-Action") == action) out.push_back(s);
        return out;
    }

    static void error(httplib::Response& res, const std::string& code, const std::string& msg) {
        res.set_content(json{{"Response",
                              {{"Error", {{"Code", code}, {"Message", msg}}},
                               {"RequestId", "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}}}
                            .dump(),
                        "application/json");
    }

    // Tencent's own check of the request's signature: an error code, or "".
    std::string authenticate(const httplib::Request& req) {
        const auto auth = parse_tc3_authorization(req.get_header_value("Authorization"));
        if (!auth) return "AuthFailure.InvalidAuthorization";
        if (auth->secret_id != secret_id) return "AuthFailure.SecretIdNotFound";
        const std::string timestamp = req.get_header_value("X-TC-Timestamp");
        if (timestamp.empty() || timestamp.find_first_not_of("0123456789") != std::string::npos)
            return "AuthFailure.InvalidAuthorization";
        const long long real_now =
            unix_of(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
        if (std::llabs(std::stoll(timestamp) - real_now) > 300)
            return "AuthFailure.SignatureExpire";
        const std::string expected = tc3_expected_signature(
            req.method, "", req.body, timestamp, *auth, secret_key,
            [&](const std::string& name) { return req.get_header_value(name.c_str()); });
        if (auth->service != "sms" || auth->date != utc_date(std::stoll(timestamp)) ||
            auth->signature != expected) {
            ++refused;
            return "AuthFailure.SignatureFailure";
        }
        return {};
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        std::unique_lock lock(mutex);
        if (const auto failure = authenticate(req); !failure.empty())
            return error(res, failure, "The provided credentials could not be validated.");
        const auto body = json::parse(req.body, nullptr, false);
        if (!body.is_object()) return error(res, "InvalidParameter", "body");
        const std::string action = req.get_header_value("X-TC-Action");
        if (action == "PullSmsSendStatusByPhoneNumber") return pull(body, res);
        if (action == "PullSmsSendStatus") return pull_account(body, res);
        if (action != "SendSms") return error(res, "InvalidAction", action);
        json set = json::array();
        for (const auto& number : body.value("PhoneNumberSet", json::array())) {
            const std::string phone = number.is_string() ? number.get<std::string>() : "";
            const std::string serial_no =
                "5000:10457106691570536578494996" + std::to_string(++serial);
            if (took || (code == "Ok" && error_code.empty() && page.empty()))
                records.push_back({phone, body.value("SessionContext", ""), serial_no,
                                   unix_of(clock), report,
                                   report.empty() ? 0 : unix_of(clock) + 5});
            set.push_back({{"SerialNo", serial_no},
                           {"PhoneNumber", phone},
                           {"Fee", 1},
                           {"SessionContext", body.value("SessionContext", "")},
                           {"Code", code},
                           {"Message", message},
                           {"IsoCode", "CN"}});
        }
        const auto wait = delay;
        lock.unlock();
        std::this_thread::sleep_for(wait);
        lock.lock();
        res.status = status;
        if (!page.empty()) return res.set_content(page, "text/html");
        if (!error_code.empty()) return error(res, error_code, "as documented");
        res.set_content(
            json{{"Response",
                  {{"SendStatusSet", set}, {"RequestId", "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}}}
                .dump(),
            "application/json");
    }

    void pull(const json& body, httplib::Response& res) {
        for (const char* name : {"BeginTime", "Offset", "Limit"})
            if (!body.contains(name) || !body[name].is_number_integer())
                return error(res, "MissingParameter", name);
        for (const char* name : {"PhoneNumber", "SmsSdkAppId"})
            if (!body.contains(name) || !body[name].is_string())
                return error(res, "MissingParameter", name);
        if (!pull_error.empty()) return error(res, pull_error, "as documented");
        const long long begin = body["BeginTime"], offset = body["Offset"], limit = body["Limit"];
        const long long end = body.value("EndTime", std::numeric_limits<long long>::max());
        if (limit < 1 || limit > 100 || offset < 0)
            return error(res, "InvalidParameterValue", "Limit");
        if (body["SmsSdkAppId"] != "1400006666")
            return error(res, "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId");
        json set = json::array();
        long long skipped = 0;
        for (const auto& r : records) {
            // Only messages with a carrier's report are listed.
            if (r.phone != body["PhoneNumber"] || r.report_status.empty() || r.sent_at < begin ||
                r.sent_at > end)
                continue;
            if (skipped++ < offset) continue;
            if (static_cast<long long>(set.size()) == limit) break;
            set.push_back(status_entry(r));
        }
        status_set(res, set);
    }
};

}  // namespace

TEST_CASE("The fake Tencent's own TC3 check reproduces Tencent's documented example") {
    // Tencent's "Signature v3" example (see tests/unit/tc3_signature_test.cpp
    // for the source): CVM, 1551113065, this body, signature 72e494ea....
    const std::string payload =
        R"({"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]})";
    const auto auth = parse_tc3_authorization(
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
    REQUIRE(auth);
    CHECK(auth->date == utc_date(1551113065));
    const auto headers = [](const std::string& name) -> std::string {
        return name == "host" ? "cvm.tencentcloudapi.com" : "application/json; charset=utf-8";
    };
    CHECK(tc3_expected_signature("POST", "", payload, "1551113065", *auth,
                                 "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", headers) == auth->signature);
    CHECK(tc3_expected_signature("POST", "", payload, "1551113066", *auth,
                                 "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", headers) != auth->signature);
}

TEST_CASE("Tencent SendSms: signature, body and answers") {
    const SysSeconds now = *parse_instant("2027-09-15T10:00:00+08:00");
    FakeTencent tencent(now);
    const Config config = tencent_config(tencent.http.url());
    TencentSender sender(config, config.sms, secret_key);

    SECTION("Ok: sent with the SerialNo; the fake's own check accepts the signature") {
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::sent);
        CHECK(r.provider_ref == "5000:104571066915705365784949961");
        CHECK(tencent.refused == 0);
        REQUIRE(tencent.sent().size() == 1);
        REQUIRE(eventually([&] { return tencent.http.seen().size() == 1; }));
        const auto req = tencent.http.seen().front();
        CHECK(req.header("X-TC-Action") == "SendSms");
        CHECK(req.header("X-TC-Version") == "2021-01-11");
        CHECK(req.header("X-TC-Region") == "ap-guangzhou");
        CHECK(req.header("Host") == "127.0.0.1:" + std::to_string(tencent.http.port()));
        CHECK(req.header("Content-Type") == "application/json; charset=utf-8");
        // Signed with the real time, not the worker's (simulated) clock.
        const SysSeconds stamp{std::chrono::seconds{std::stoll(req.header("X-TC-Timestamp"))}};
        CHECK(std::chrono::abs(stamp - std::chrono::floor<std::chrono::seconds>(
                                           std::chrono::system_clock::now())) < 60s);
        const auto body = json::parse(req.body);
        CHECK(body["PhoneNumberSet"] == json::array({"+8613800138000"}));
        CHECK(body["SmsSdkAppId"] == "1400006666");
        CHECK(body["SignName"] == "童乐玩具店");
        CHECK(body["TemplateId"] == "449739");
        CHECK(body["TemplateParamSet"] == json::array({"王女士", "童乐玩具"}));
        // Our job id travels as SessionContext: the status pull echoes it.
        CHECK(body["SessionContext"] == "toyland/birthday:M1:2027-09-15");
    }

    SECTION("a wrong secret: the fake's own check refuses it, AuthFailure.SignatureFailure") {
        TencentSender wrong(config, config.sms, "not-the-secret");
        const auto r = wrong.send(job(), now);
        CHECK(r.outcome == Outcome::account_problem);
        CHECK(r.error.find("AuthFailure.SignatureFailure") != std::string::npos);
        CHECK(tencent.refused == 1);
        CHECK(tencent.sent().empty());
    }

    SECTION("per-number limits: the next window, never now") {
        tencent.code = "LimitExceeded.PhoneNumberThirtySecondLimit";
        CHECK(sender.send(job(), now).retry_at == now + 30s);
        tencent.code = "LimitExceeded.PhoneNumberOneHourLimit";
        CHECK(sender.send(job(), now).retry_at == now + 3600s);
        tencent.code = "LimitExceeded.PhoneNumberDailyLimit";
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
    }

    SECTION("the member's blacklist is a lost consent; account errors stop the channel") {
        tencent.code = "FailedOperation.PhoneNumberInBlacklist";
        CHECK(sender.send(job(), now).outcome == Outcome::consent_lost);
        tencent.code = "FailedOperation.InsufficientBalanceInSmsPackage";
        CHECK(sender.send(job(), now).outcome == Outcome::account_problem);
        tencent.code = "InvalidParameterValue.IncorrectPhoneNumber";
        CHECK(sender.send(job(), now).outcome == Outcome::failed);
        tencent.error_code = "RequestLimitExceeded";
        CHECK(sender.send(job(), now).outcome == Outcome::retry);
        CHECK(tencent.sent().empty());
    }

    SECTION("a timeout after Tencent took it: its delivery report names our job, so sent") {
        tencent.delay = 600ms;
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        tencent.delay = 0ms;
        const auto v = sender.verify(job(), now, now + 60s);
        CHECK(v.verdict == Verification::Verdict::sent);
        CHECK(v.provider_ref == tencent.sent().at(0).serial_no);
        REQUIRE(
            eventually([&] { return tencent.seen("PullSmsSendStatusByPhoneNumber").size() == 1; }));
        const auto pulls = tencent.seen("PullSmsSendStatusByPhoneNumber");
        const auto q = json::parse(pulls[0].body);
        CHECK(q["PhoneNumber"] == "+8613800138000");
        CHECK(q["SmsSdkAppId"] == "1400006666");
        CHECK(q["Offset"] == 0);
        CHECK(q["Limit"] == 100);
        CHECK(q["BeginTime"].get<long long>() <= unix_of(now) - 1);
        CHECK(q["EndTime"].get<long long>() >= unix_of(now + 60s));
        CHECK(pulls[0].header("X-TC-Version") == "2021-01-11");
        CHECK(tencent.refused == 0);
    }

    SECTION("taken, but no report yet: not known yet (try later), then found") {
        tencent.report = "";
        tencent.error_code = "InternalError.Timeout";
        tencent.took = true;
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::try_later);
        CHECK(sender.verify(job(), now, now + 20min).verdict == Verification::Verdict::try_later);
        tencent.clock = now + 25min;
        tencent.deliver();
        CHECK(sender.verify(job(), now, now + 25min).verdict == Verification::Verdict::sent);
        // A report of failure still means Tencent sent it: not again.
        {
            std::lock_guard lock(tencent.mutex);
            tencent.records.at(0).report_status = "FAIL";
        }
        CHECK(sender.verify(job(), now, now + 40min).verdict == Verification::Verdict::sent);
    }

    SECTION("never taken: no report by the end of the wait, so it may be sent again") {
        tencent.status = 502;
        tencent.page = "<html><body>502 Bad Gateway</body></html>";
        const auto r = sender.send(job(), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::try_later);
        CHECK(sender.verify(job(), now, now + tencent_report_wait).verdict ==
              Verification::Verdict::not_sent);
        CHECK(tencent.sent().empty());
    }

    SECTION("the pull is per number: our job id to another number is not ours") {
        tencent.add("+8613900139000", "birthday:M1:2027-09-15", now, "SUCCESS");
        tencent.add("+8613800138000", "festival:M1:2027-10-01", now, "SUCCESS");
        CHECK(sender.verify(job(), now, now + 40min).verdict == Verification::Verdict::not_sent);
        tencent.add("+8613800138000", "birthday:M1:2027-09-15", now, "SUCCESS");
        CHECK(sender.verify(job(), now, now + 40min).verdict == Verification::Verdict::sent);
    }

    SECTION("a status pull Tencent refuses: busy → later; not allowed → unknown, never twice") {
        tencent.pull_error = "InternalError.Timeout";
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::try_later);
        tencent.pull_error = "RequestLimitExceeded";
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::try_later);
        tencent.pull_error = "UnauthorizedOperation.SmsSdkAppIdVerifyFail";
        CHECK(sender.verify(job(), now, now + 60s).verdict == Verification::Verdict::unknown);
        // A pull that does not arrive is asked again later.
        const Config nowhere = tencent_config("http://127.0.0.1:1");
        TencentSender unreachable(nowhere, nowhere.sms, secret_key);
        CHECK(unreachable.verify(job(), now, now + 60s).verdict ==
              Verification::Verdict::try_later);
    }
}

namespace {

const std::string kReceiptSecret = "rcpt-5e1d0c9b8a7f6e5d";

Config receipts_config(const std::string& endpoint, const std::string& mode) {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
sms_signature = "童乐玩具店"
[stores.babycare]
name = "贝贝母婴"
[sms]
provider = "tencent"
http_timeout_ms = 2000
[sms.receipts]
listen = "127.0.0.1:0"
callback_secret_env = "UNUSED"
poll_per_second = 1000
[sms.tencent]
endpoint = ")" + endpoint + R"("
region = "ap-guangzhou"
sdk_app_id = "1400006666"
secret_id = ")" + secret_id +
                            R"("
secret_key_file = "/nonexistent"
receipts = ")" + mode + R"("
[sms.tencent.templates.birthday]
id = "449739"
params = ["honorific", "store"]
)",
                        "tencent-receipts.toml");
}

}  // namespace

TEST_CASE("Tencent status callback pushed: found by its SerialNo, delivered or failed",
          "[receipts]") {
    TestRedis server;
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    FakeTencent tencent(clock.now());
    const Config config = receipts_config(tencent.http.url(), "push");
    MetricsRegistry metrics;
    const Counter counter = receipt_counter(metrics);
    ReceiptListener listener(config, config.sms, server.endpoint(), clock, kReceiptSecret, counter);
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    ReceiptIndex index(redis, config.sms);
    REQUIRE(index.needed());  // the push names Tencent's SerialNo only
    TencentSender sender(config, config.sms, secret_key);
    const std::string key = "?key=" + kReceiptSecret;

    const auto id = send_job(jobs, index, sender, clock, "toyland", "M1", "+8613800138000");
    tencent.report = "FAIL";
    const auto other = send_job(jobs, index, sender, clock, "babycare", "M1", "+8613800138000");
    REQUIRE(id == other);
    const auto serial = tencent.sent()[0].serial_no;
    CHECK(redis.command({"GET", "hu:rcpt:{tencent:1400006666}:sid:" + serial}).str ==
          "toyland/" + id);
    CHECK(redis.command({"TTL", "hu:rcpt:{tencent:1400006666}:sid:" + serial}).integer > 71 * 3600);

    SECTION("the fake pushes both: one delivered, one failed with the carrier's code") {
        const auto r = FakeTencent::push(listener.port(), key, tencent.reports());
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(json::parse(r->body) == json{{"result", 0}, {"errmsg", "OK"}});
        CHECK(jobs.get("toyland", id)->state == JobState::delivered);
        CHECK(jobs.get("babycare", id)->state == JobState::sent);
        CHECK(job_field(redis, "babycare", id, "dlr_status") == "undelivered");
        CHECK(job_field(redis, "babycare", id, "dlr_detail") == "MK:0001 用户关机");
        // The SerialNo notes have done their work.
        CHECK(redis.command({"EXISTS", "hu:rcpt:{tencent:1400006666}:sid:" + serial}).integer == 0);
        // A duplicate push changes nothing (its SerialNos are no longer ours).
        const auto before = snapshot(redis);
        clock.advance(10min);  // later, but the report's own time is what is kept
        const auto again = FakeTencent::push(listener.port(), key, tencent.reports());
        REQUIRE(again);
        CHECK(again->status == 200);
        CHECK(snapshot(redis) == before);
        CHECK(counter.value({"tencent", "push", "unknown_job"}) == 2);
    }

    SECTION("without the secret: 403, nothing recorded") {
        const auto before = snapshot(redis);
        for (const std::string& q :
             {std::string(), std::string("?key=x"), "?key=" + kReceiptSecret.substr(1)}) {
            const auto r = FakeTencent::push(listener.port(), q, tencent.reports());
            REQUIRE(r);
            CHECK(r->status == 403);
        }
        CHECK(snapshot(redis) == before);
    }

    SECTION("a malformed body: 400 naming what is wrong, nothing recorded") {
        const auto before = snapshot(redis);
        auto reports = json::parse(tencent.reports());
        reports[1]["report_status"] = "DELIVERED";
        const auto r = FakeTencent::push(listener.port(), key, reports.dump());
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(json::parse(r->body)["error"] ==
              "[1].report_status: expected \"SUCCESS\" or \"FAIL\"");
        CHECK(snapshot(redis) == before);
    }

    SECTION("a SerialNo huitou never noted: accepted, counted, nothing changes") {
        const auto before = snapshot(redis);
        auto reports = json::parse(tencent.reports());
        reports[0]["sid"] = "2019:someone-elses";
        reports.erase(1);
        const auto r = FakeTencent::push(listener.port(), key, reports.dump());
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(counter.value({"tencent", "push", "unknown_job"}) == 1);
        CHECK(snapshot(redis) == before);
    }
}

TEST_CASE("Tencent receipts polled: PullSmsSendStatus, each report once, by SessionContext",
          "[receipts]") {
    TestRedis server;
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    FakeTencent tencent(clock.now());
    const Config config = receipts_config(tencent.http.url(), "poll");
    MetricsRegistry metrics;
    const Counter counter = receipt_counter(metrics);
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    ReceiptIndex index(redis, config.sms);
    CHECK_FALSE(index.needed());  // SessionContext names the job: no note
    TencentSender sender(config, config.sms, secret_key);
    ReceiptPoller poller(config, config.sms, server.endpoint(), clock, secret_key, counter);

    tencent.report = "";  // not reported yet
    const auto id = send_job(jobs, index, sender, clock, "toyland", "M1", "+8613800138000");
    const auto other = send_job(jobs, index, sender, clock, "babycare", "M1", "+8613800138000");
    CHECK(poller.round() == clock.now() + config.sms.receipts.poll_interval);
    CHECK(jobs.get("toyland", id)->state == JobState::sent);

    {
        std::lock_guard lock(tencent.mutex);
        tencent.records[0].report_status = "SUCCESS";
        tencent.records[1].report_status = "FAIL";
    }
    // Another system's message on the account, and one of a job long gone.
    tencent.add("+8613900139000", "", clock.now(), "SUCCESS");
    tencent.add("+8613900139000", "toyland/birthday:M9:2027-09-15", clock.now(), "SUCCESS");
    poller.round();
    CHECK(jobs.get("toyland", id)->state == JobState::delivered);
    CHECK(jobs.get("babycare", other)->state == JobState::sent);
    CHECK(job_field(redis, "babycare", other, "dlr_status") == "undelivered");
    CHECK(job_field(redis, "babycare", other, "dlr_detail") == "MK:0001");
    CHECK(counter.value({"tencent", "poll", "unknown_job"}) == 2);
    CHECK(counter.value({"tencent", "poll", "delivered"}) == 1);

    // Handed out once: the next round finds nothing new and changes nothing.
    const auto before = snapshot(redis);
    poller.round();
    CHECK(snapshot(redis) == before);

    SECTION("a full page is followed by another pull at once") {
        for (int i = 0; i < 150; ++i)
            tencent.add("+8613900139000", "", clock.now(), "SUCCESS");
        const auto pulls = tencent.seen("PullSmsSendStatus").size();
        CHECK(poller.round() == clock.now() + config.sms.receipts.poll_interval);
        REQUIRE(eventually([&] { return tencent.seen("PullSmsSendStatus").size() == pulls + 2; }));
        CHECK(counter.value({"tencent", "poll", "unknown_job"}) == 152);
    }

    SECTION("a failing pull (a refused signature): nothing handed out, asked again later") {
        tencent.add("+8613800138000", "toyland/" + id, clock.now(), "SUCCESS");
        ReceiptPoller bad(config, config.sms, server.endpoint(), clock, "not-the-key", counter);
        CHECK(bad.round() == clock.now() + config.sms.receipts.poll_interval);
        CHECK(tencent.sent().back().pulled == false);
        poller.round();
        CHECK(tencent.sent().back().pulled == true);
    }
}
