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
#include "io/job_store.h"
#include "io/parked_events.h"
#include "io/receipt_index.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/provider_signatures.h"
#include "tests/support/sent_jobs.h"
#include "tests/support/test_redis.h"
#include "tests/support/test_reshard.h"
#include "workers/aliyun_sender.h"
#include "workers/receipt_listener.h"
#include "workers/receipt_poller.h"
#include "workers/receipt_recorder.h"

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
    // The carrier's report: SendStatus 1 waiting, 2 failed, 3 delivered.
    int send_status = 3;
    std::string err_code = "DELIVERED";
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
    // The report a message SendSms takes gets (QuerySendDetails and the push).
    int send_status = 3;
    std::string err_code = "DELIVERED";
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
    // Sets the carrier's report of every message sent so far.
    void report_all(int status, const std::string& code) {
        std::lock_guard lock(mutex);
        for (auto& r : records) {
            r.send_status = status;
            r.err_code = code;
        }
    }
    // The SmsReport array (HTTP 批量推送) for the messages with a final report.
    std::string reports() {
        std::lock_guard lock(mutex);
        json array = json::array();
        for (const auto& r : records) {
            if (r.send_status == 1) continue;
            array.push_back({{"phone_number", r.phone},
                             {"send_time", aliyun_time(r.at)},
                             {"report_time", aliyun_time(r.at + 5s)},
                             {"success", r.send_status == 3},
                             {"err_code", r.err_code},
                             {"err_msg", r.send_status == 3 ? "用户接收成功" : "用户关机"},
                             {"sms_size", "1"},
                             {"biz_id", r.biz_id},
                             {"out_id", r.out_id}});
        }
        return array.dump();
    }
    // Pushes `body` to huitou's receipt URL, as Aliyun's SmsReport does.
    static httplib::Result push(int port, const std::string& query, const std::string& body) {
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(5);
        return client.Post(("/aliyun/report" + query).c_str(), body, "application/json");
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
                    records.push_back({phone, p["OutId"], biz_id, clock, send_status, err_code});
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
                             {"SendStatus", r.send_status},
                             {"ErrCode", r.err_code},
                             {"BizId", r.biz_id},
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
        // The OutId names the store and the job: what a receipt must find.
        CHECK(aliyun.sent()[0].out_id == "toyland/birthday:M1:2027-09-15");
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
        CHECK(req.param("OutId") == "toyland/birthday:M1:2027-09-15");
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

namespace {

const std::string kReceiptSecret = "rcpt-5e1d0c9b8a7f6e5d";

Config receipts_config(const std::string& endpoint, const std::string& mode) {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[stores.babycare]
name = "贝贝母婴"
[sms]
provider = "aliyun"
http_timeout_ms = 2000
[sms.receipts]
listen = "127.0.0.1:0"
callback_secret_env = "UNUSED"
poll_per_second = 1000
[sms.aliyun]
endpoint = ")" + endpoint + R"(/"
access_key_id = "testId"
access_key_secret_env = "UNUSED"
receipts = ")" + mode + R"("
[sms.aliyun.templates.birthday]
id = "SMS_153055065"
params = ["honorific", "store"]
)",
                        "aliyun-receipts.toml");
}

}  // namespace

TEST_CASE("Aliyun SmsReport pushed: delivered, or kept failed with the carrier's code",
          "[receipts]") {
    TestRedis server;
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    FakeAliyun aliyun(clock.now());
    const Config config = receipts_config(aliyun.http.url(), "push");
    MetricsRegistry metrics;
    const Counter counter = receipt_counter(metrics);
    ReceiptListener listener(config, config.sms, server.endpoint(), clock, kReceiptSecret, counter);
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    ReceiptIndex index(redis, config.sms);
    CHECK_FALSE(index.needed());  // Aliyun's push echoes our OutId: no note needed
    AliyunSender sender(config, config.sms, secret);
    const std::string key = "?key=" + kReceiptSecret;

    // Two stores, one member id: the reference tells their jobs apart.
    const auto id = send_job(jobs, index, sender, clock, "toyland", "M1", "+8613800138000");
    aliyun.report_all(2, "MK:0001");
    const auto other = send_job(jobs, index, sender, clock, "babycare", "M1", "+8613800138000");
    REQUIRE(id == other);
    CHECK(aliyun.sent()[0].out_id == "toyland/" + id);
    CHECK(aliyun.sent()[1].out_id == "babycare/" + id);

    SECTION("the fake pushes both reports: one delivered, one failed and kept so") {
        const auto r = FakeAliyun::push(listener.port(), key, aliyun.reports());
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(json::parse(r->body) == json{{"code", 0}, {"msg", "成功"}});
        CHECK(jobs.get("babycare", id)->state == JobState::delivered);
        CHECK(jobs.get("toyland", id)->state == JobState::sent);
        CHECK(job_field(redis, "toyland", id, "dlr_status") == "undelivered");
        CHECK(job_field(redis, "toyland", id, "dlr_detail") == "MK:0001 用户关机");
        CHECK(counter.value({"aliyun", "push", "delivered"}) == 1);
        CHECK(counter.value({"aliyun", "push", "undelivered"}) == 1);

        // The same push again (Aliyun does not promise once): nothing changes.
        const auto before = snapshot(redis);
        clock.advance(10min);  // later, but the report's own time is what is kept
        const auto again = FakeAliyun::push(listener.port(), key, aliyun.reports());
        REQUIRE(again);
        CHECK(again->status == 200);
        CHECK(snapshot(redis) == before);
    }

    SECTION("while a reshard holds toyland: its report parked, babycare's recorded — replayed") {
        hold_for_copy(redis, "toyland", 1, 1);
        const auto r = FakeAliyun::push(listener.port(), key, aliyun.reports());
        REQUIRE(r);
        CHECK(r->status == 200);  // kept: Aliyun need not push it again
        CHECK(jobs.get("babycare", id)->state == JobState::delivered);
        CHECK(jobs.get("toyland", id)->state == JobState::sent);
        CHECK(job_field(redis, "toyland", id, "dlr_status").empty());
        CHECK(counter.value({"aliyun", "push", "parked"}) == 1);
        CHECK(counter.value({"aliyun", "push", "delivered"}) == 1);

        switch_layout(redis, "toyland", 1, 1);
        ParkedEvents parked(redis, config);
        const auto replayed = parked.replay("toyland", clock.now());
        CHECK(replayed.applied == 1);
        CHECK(replayed.ended);
        CHECK(job_field(redis, "toyland", id, "dlr_status") == "undelivered");
        CHECK(job_field(redis, "toyland", id, "dlr_detail") == "MK:0001 用户关机");
    }

    SECTION("without the secret, or with a wrong one: 403, nothing recorded") {
        const auto before = snapshot(redis);
        for (const std::string& q :
             {std::string(), std::string("?key="), std::string("?key=rcpt-5e1d0c9b8a7f6e5e"),
              "?key=" + kReceiptSecret + "x", "?secret=" + kReceiptSecret}) {
            INFO(q);
            const auto r = FakeAliyun::push(listener.port(), q, aliyun.reports());
            REQUIRE(r);
            CHECK(r->status == 403);
        }
        CHECK(snapshot(redis) == before);
        CHECK(counter.value({"aliyun", "push", "forbidden"}) == 5);
    }

    SECTION("a malformed body: 400 naming what is wrong, nothing recorded") {
        const auto before = snapshot(redis);
        auto good = json::parse(aliyun.reports());
        good[1]["success"] = "yes";  // the first is fine: still nothing is recorded
        const auto r = FakeAliyun::push(listener.port(), key, good.dump());
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(json::parse(r->body) == json{{"error", "[1].success: expected true or false"}});
        const auto r2 = FakeAliyun::push(listener.port(), key, "{\"code\":0}");
        REQUIRE(r2);
        CHECK(r2->status == 400);
        CHECK(json::parse(r2->body)["error"] == "body: expected a JSON array of reports");
        CHECK(snapshot(redis) == before);
    }

    SECTION("a report for a job huitou does not know: accepted, counted, nothing changes") {
        const auto before = snapshot(redis);
        auto reports = json::parse(aliyun.reports());
        reports[0]["out_id"] = "toyland/birthday:M9:2027-09-15";  // no such job
        reports[1]["out_id"] = "nosuchstore/" + id;               // no such store
        reports.push_back(reports[0]);
        reports[2]["out_id"] = "";  // another system's message on the account
        const auto r = FakeAliyun::push(listener.port(), key, reports.dump());
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(json::parse(r->body)["code"] == 0);
        CHECK(counter.value({"aliyun", "push", "unknown_job"}) == 3);
        CHECK(snapshot(redis) == before);
    }
}

TEST_CASE("Aliyun receipts polled: QuerySendDetails on a schedule, given up after 72 h",
          "[receipts]") {
    TestRedis server;
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    FakeAliyun aliyun(clock.now());
    const Config config = receipts_config(aliyun.http.url(), "poll");
    MetricsRegistry metrics;
    const Counter counter = receipt_counter(metrics);
    auto redis = server.connect();
    JobStore jobs(redis, config.scheduler);
    ReceiptIndex index(redis, config.sms);
    REQUIRE(index.needed());
    AliyunSender sender(config, config.sms, secret);
    ReceiptPoller poller(config, config.sms, server.endpoint(), clock, secret, counter);
    const auto waiting = [&](const std::string& store) {
        return redis.command({"ZCARD", "hu:{" + store + "}:rcpt"}).integer;
    };

    aliyun.send_status = 1;  // the carrier has not reported yet
    const auto id = send_job(jobs, index, sender, clock, "toyland", "M1", "+8613800138000");
    CHECK(waiting("toyland") == 1);

    // Not asked before a minute has passed.
    poller.round();
    CHECK(queries(aliyun.http).empty());
    clock.advance(61s);
    poller.round();
    REQUIRE(eventually([&] { return queries(aliyun.http).size() == 1; }));
    auto q = queries(aliyun.http).back();
    CHECK(q.param("PhoneNumber") == "13800138000");
    CHECK(q.param("SendDate") == "20270915");
    CHECK(q.param("BizId") == aliyun.sent()[0].biz_id);
    CHECK(jobs.get("toyland", id)->state == JobState::sent);  // waiting: asked again later
    poller.round();
    CHECK(queries(aliyun.http).size() == 1);  // not again in the same minute

    SECTION("the receipt comes: delivered, and no longer asked about") {
        aliyun.report_all(3, "DELIVERED");
        clock.advance(120s);
        poller.round();
        CHECK(jobs.get("toyland", id)->state == JobState::delivered);
        CHECK(waiting("toyland") == 0);
        CHECK(counter.value({"aliyun", "poll", "delivered"}) == 1);
        clock.advance(3h);
        poller.round();
        CHECK(queries(aliyun.http).size() == 2);
    }

    SECTION("on its own thread, as huitou-sms runs it") {
        aliyun.report_all(3, "DELIVERED");
        poller.start();
        clock.advance(120s);
        CHECK(eventually([&] { return jobs.get("toyland", id)->state == JobState::delivered; }));
    }

    SECTION("it failed: the carrier's code is kept, the job stays sent") {
        aliyun.report_all(2, "MK:0001");
        clock.advance(120s);
        poller.round();
        CHECK(jobs.get("toyland", id)->state == JobState::sent);
        CHECK(job_field(redis, "toyland", id, "dlr_status") == "undelivered");
        CHECK(job_field(redis, "toyland", id, "dlr_detail") == "MK:0001");
        CHECK(waiting("toyland") == 0);
    }

    SECTION("no receipt in 72 hours: given up, the job stays sent") {
        for (int i = 0; i < 40 && waiting("toyland") > 0; ++i) {
            clock.advance(2h);
            poller.round();
        }
        CHECK(waiting("toyland") == 0);
        CHECK(jobs.get("toyland", id)->state == JobState::sent);
        CHECK(counter.value({"aliyun", "poll", "gave_up"}) == 1);
        // Asked on the schedule, not on every round: 1, 3, 10, 30, 60 min,
        // then every 2 h up to 72 h.
        CHECK(queries(aliyun.http).size() < 42);
    }

    SECTION("a message sent with the job id alone as OutId (before the store was in it)") {
        // Asked by number, day and BizId, it is still this job's.
        aliyun.report_all(3, "DELIVERED");
        {
            std::lock_guard lock(aliyun.mutex);
            aliyun.records[0].out_id = id;
        }
        clock.advance(120s);
        poller.round();
        CHECK(jobs.get("toyland", id)->state == JobState::delivered);
    }
}
