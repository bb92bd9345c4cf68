// The official account's message server (WechatListener) on loopback, with
// a real Redis and a clock the test holds: WeChat's URL check; delivery
// events that find their job through the msgid the real WechatSender kept
// (sent to a local server playing api.weixin.qq.com) and move it with
// record_delivery; follows, unfollows and notice choices that record
// consent; and the doors: a wrong signature, a stale timestamp, a replayed
// nonce — 403, nothing changed; malformed XML 400; an unknown msgid
// acknowledged and ignored. Safe mode decrypts a vector computed apart from
// huitou (Python's `cryptography`, the recipe below), and refuses another
// account's message.
//
// Requests are signed here with the test's own SHA-1 (OpenSSL called
// directly), never with workers/wechat_event.h's wechat_signature.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/parked_events.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"
#include "tests/support/test_reshard.h"
#include "workers/wechat_crypt.h"
#include "workers/wechat_event.h"
#include "workers/wechat_listener.h"
#include "workers/wechat_msgids.h"
#include "workers/wechat_sender.h"

using namespace huitou;
using namespace huitou::test;
using nlohmann::json;

namespace {

// WeChat's own example account in its 消息加解密 document.
const std::string kToken = "pamtest";
const std::string kAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const std::string kAppId = "wxb11529c136998cb6";

// The test's SHA-1 signature: sort, join, hex SHA-1.
std::string sign(std::vector<std::string> parts) {
    std::sort(parts.begin(), parts.end());
    std::string joined;
    for (const auto& p : parts)
        joined += p;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(joined.data(), joined.size(), digest, &len, EVP_sha1(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 15]);
    }
    return out;
}

Config events_config(const std::string& api_base) {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[stores.babycare]
name = "贝贝母婴"
[stores.smsonly]
name = "足浴"
channels = ["sms"]
[wechat]
provider = "wechat"
http_timeout_ms = 2000
[wechat.official]
api_base = ")" + api_base + R"("
app_id = ")" + kAppId + R"("
app_secret_env = "UNUSED"
listen = "127.0.0.1:0"
token_env = "UNUSED"
[wechat.official.templates.card_expiry]
id = "TPL-CARD"
fields = { thing1 = "text" }
[wechat.official.templates.birthday]
id = "SUB-BDAY"
fields = { thing1 = "text" }
)",
                        "wechat-events.toml");
}

// Plays api.weixin.qq.com: a token, and every message taken with a new msgid.
struct FakeWechat {
    std::atomic<long> next_msgid{200228332};
    HttpServer http;
    FakeWechat() {
        http.server().Post(
            "/cgi-bin/stable_token", [](const httplib::Request&, httplib::Response& res) {
                res.set_content(R"({"access_token":"T1","expires_in":7200})", "application/json");
            });
        const auto take = [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(json{{"errcode", 0}, {"errmsg", "ok"}, {"msgid", next_msgid++}}.dump(),
                            "application/json");
        };
        http.server().Post("/cgi-bin/message/template/send", take);
        http.server().Post("/cgi-bin/message/subscribe/bizsend", take);
        http.start();
    }
};

struct Fixture {
    TestRedis server;
    FakeWechat wechat;
    Config config = events_config(wechat.http.url());
    FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
    RedisConnection redis = server.connect();
    JobStore jobs{redis, config.scheduler};
    ConsentStore consent{redis, config};
    WechatSender sender{config, config.wechat, "app-secret", redis};
    int nonce = 1000;

    // A job of `store` for `member` at `openid`, sent through the real sender
    // and recorded sent as the worker records it. Returns the job and msgid.
    std::pair<Job, std::string> send(const std::string& store, const std::string& member,
                                     const std::string& openid, Kind kind = Kind::card_expiry) {
        Job j;
        j.store = store;
        j.kind = kind;
        j.member_id = member;
        j.occasion_date = *parse_date("2027-09-15");
        j.id = make_job_id(j.kind, member, j.occasion_date);
        j.channel = Channel::wechat;
        j.marketing = kind != Kind::card_expiry;
        j.to = openid;
        j.text = "会员卡将到期";
        j.due_at = clock.now();
        j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
        REQUIRE(jobs.create({j}) == 1);
        const auto claimed = jobs.claim_due(store, clock.now(), 10).jobs;
        REQUIRE(claimed.size() == 1);
        j = claimed[0];
        REQUIRE(jobs.begin_send(store, j.id, j.attempts, "test", clock.now()) == BeginSend::ok);
        const auto r = sender.send({j.store, j.id, j.member_id, j.kind, j.channel, j.to, j.text,
                                    j.params, j.attempts, j.expires_at},
                                   clock.now());
        REQUIRE(r.outcome == Outcome::sent);
        REQUIRE_FALSE(r.provider_ref.empty());
        jobs.record(ResultMessage{store,
                                  j.id,
                                  Outcome::sent,
                                  "wechat",
                                  r.provider_ref,
                                  {},
                                  std::nullopt,
                                  clock.now(),
                                  "test"});
        REQUIRE(jobs.get(store, j.id)->state == JobState::sent);
        return {j, r.provider_ref};
    }

    // A job planned for today to `openid` (what an opt-out cancels at once).
    Job plan(const std::string& store, const std::string& member, const std::string& openid) {
        Job j;
        j.store = store;
        j.kind = Kind::birthday;
        j.member_id = member;
        j.occasion_date = *parse_date("2027-09-15");
        j.id = make_job_id(j.kind, member, j.occasion_date);
        j.channel = Channel::wechat;
        j.to = openid;
        j.text = "生日快乐";
        j.due_at = clock.now() + std::chrono::hours(2);
        j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
        REQUIRE(jobs.create({j}) == 1);
        return j;
    }

    std::string field(const Job& j, const std::string& name) {
        return redis.command({"HGET", "hu:{" + j.store + "}:job:" + j.id, name}).str;
    }

    std::string timestamp() const { return std::to_string(clock.now().time_since_epoch().count()); }
};

// Posts `xml` to the listener, signed with `token` at `timestamp` and `nonce`.
httplib::Result post(int port, const std::string& xml, const std::string& timestamp,
                     const std::string& nonce, const std::string& token = kToken,
                     const std::string& extra = {}) {
    httplib::Client http("127.0.0.1", port);
    http.set_connection_timeout(5);
    http.set_read_timeout(5);
    const std::string path = "/wechat?signature=" + sign({token, timestamp, nonce}) +
                             "&timestamp=" + timestamp + "&nonce=" + nonce + "&openid=x" + extra;
    return http.Post(path.c_str(), xml, "text/xml");
}

std::string event_xml(const std::string& openid, const std::string& event,
                      const std::string& rest = {}) {
    return "<xml><ToUserName><![CDATA[gh_toyland]]></ToUserName><FromUserName><![CDATA[" + openid +
           "]]></FromUserName><CreateTime>1820973600</CreateTime>" +
           "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[" + event + "]]></Event>" + rest +
           "</xml>";
}

std::string template_finish(const std::string& openid, const std::string& msgid,
                            const std::string& status) {
    return event_xml(openid, "TEMPLATESENDJOBFINISH",
                     "<MsgID>" + msgid + "</MsgID><Status><![CDATA[" + status + "]]></Status>");
}

std::string subscribe_sent(const std::string& openid, const std::string& msgid,
                           const std::string& code, const std::string& status) {
    return event_xml(openid, "subscribe_msg_sent_event",
                     "<SubscribeMsgSentEvent><List><TemplateId><![CDATA[SUB-BDAY]]></TemplateId>"
                     "<MsgID>" +
                         msgid + "</MsgID><ErrorCode>" + code +
                         "</ErrorCode><ErrorStatus><![CDATA[" + status +
                         "]]></ErrorStatus></List></SubscribeMsgSentEvent>");
}

std::string notice_choice_xml(const std::string& openid, const std::string& event,
                              const std::vector<std::string>& statuses) {
    std::string lists;
    for (const auto& s : statuses)
        lists += "<List><TemplateId><![CDATA[SUB-BDAY]]></TemplateId><SubscribeStatusString>" + s +
                 "</SubscribeStatusString><PopupScene>2</PopupScene></List>";
    return event_xml(openid, event,
                     "<SubscribeMsgPopupEvent>" + lists + "</SubscribeMsgPopupEvent>");
}

// The snapshot without the nonces the listener remembers.
std::map<std::string, std::string> state_of(RedisConnection& redis) {
    auto s = snapshot(redis);
    std::erase_if(s, [](const auto& kv) { return kv.first.find(":nonce:") != std::string::npos; });
    return s;
}

}  // namespace

TEST_CASE("WeChat message server: the URL check", "[wechat]") {
    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken);
    httplib::Client http("127.0.0.1", listener.port());
    http.set_connection_timeout(5);
    const auto ts = f.timestamp();
    const auto get = [&](const std::string& signature, const std::string& timestamp,
                         const std::string& nonce) {
        return http.Get(("/wechat?signature=" + signature + "&timestamp=" + timestamp +
                         "&nonce=" + nonce + "&echostr=4936287421094512")
                            .c_str());
    };

    SECTION("signed with the Token: echostr comes back") {
        const auto r = get(sign({kToken, ts, "1234567"}), ts, "1234567");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "4936287421094512");
    }
    SECTION("a wrong signature, another Token, no signature: 403 without echostr") {
        const auto good = sign({kToken, ts, "1234567"});
        for (const std::string& bad :
             {std::string(), sign({"othertoken", ts, "1234567"}), good.substr(0, 39),
              good.substr(0, 39) + (good[39] == '0' ? "1" : "0"), good + "0"}) {
            INFO(bad);
            const auto r = get(bad, ts, "1234567");
            REQUIRE(r);
            CHECK(r->status == 403);
            CHECK(r->body.find("4936287421094512") == std::string::npos);
        }
    }
    SECTION("a timestamp more than 5 minutes off: 403; within: 200") {
        const auto old = std::to_string(f.clock.now().time_since_epoch().count() - 301);
        const auto r = get(sign({kToken, old, "7654321"}), old, "7654321");
        REQUIRE(r);
        CHECK(r->status == 403);
        const auto ahead = std::to_string(f.clock.now().time_since_epoch().count() + 301);
        CHECK(get(sign({kToken, ahead, "7654322"}), ahead, "7654322")->status == 403);
        const auto near = std::to_string(f.clock.now().time_since_epoch().count() - 299);
        CHECK(get(sign({kToken, near, "7654323"}), near, "7654323")->status == 200);
    }
    SECTION("the same nonce twice: the second is a replay, 403") {
        CHECK(get(sign({kToken, ts, "5550001"}), ts, "5550001")->status == 200);
        CHECK(get(sign({kToken, ts, "5550001"}), ts, "5550001")->status == 403);
        const auto ttl = f.redis.command({"TTL", "hu:wechat:{" + kAppId + "}:nonce:5550001"});
        CHECK(ttl.integer > 500);
        CHECK(ttl.integer <= 600);
    }
}

TEST_CASE("WeChat message server: delivery events move the job", "[wechat]") {
    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken);
    const auto ts = f.timestamp();

    SECTION("the sender keeps msgid → job, with a TTL of days") {
        const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
        const auto ref = find_wechat_msgid(f.redis, kAppId, msgid);
        REQUIRE(ref);
        CHECK(ref->store == "toyland");
        CHECK(ref->job_id == job.id);
        CHECK(f.field(job, "provider_ref") == msgid);
        const auto ttl = f.redis.command({"TTL", wechat_msgid_key(kAppId, msgid)}).integer;
        CHECK(ttl > 2 * 86400);
        CHECK(ttl <= 3 * 86400);
    }
    SECTION("TEMPLATESENDJOBFINISH success: delivered") {
        const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
        const auto r = post(listener.port(), template_finish("oTOY_M1", msgid, "success"), ts, "1");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "success");
        CHECK(f.jobs.get("toyland", job.id)->state == JobState::delivered);
        CHECK(f.consent.ledger("toyland").empty());
    }
    SECTION("failed:user block: undelivered with the status, and a WeChat opt-out") {
        const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
        const auto later = f.plan("toyland", "M1B", "oTOY_M1");
        const auto r =
            post(listener.port(), template_finish("oTOY_M1", msgid, "failed:user block"), ts, "2");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.jobs.get("toyland", job.id)->state == JobState::sent);
        CHECK(f.field(job, "dlr_status") == "undelivered");
        CHECK_THAT(f.field(job, "dlr_detail"), Catch::Contains("failed:user block"));
        CHECK(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
        CHECK_FALSE(f.consent.is_opted_out("babycare", Channel::wechat, "oTOY_M1"));
        const auto ledger = f.consent.ledger("toyland");
        REQUIRE(ledger.size() == 1);
        CHECK(ledger[0].source == ConsentSource::wechat_event);
        CHECK_FALSE(ledger[0].opt_in);
        CHECK(ledger[0].member == "M1");
        CHECK_THAT(ledger[0].detail, Catch::Contains("failed:user block"));
        CHECK(f.jobs.get("toyland", later.id)->state == JobState::cancelled);
    }
    SECTION("failed: system failed: undelivered with the status, consent untouched") {
        const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
        const auto r = post(listener.port(),
                            template_finish("oTOY_M1", msgid, "failed: system failed"), ts, "3");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.field(job, "dlr_status") == "undelivered");
        CHECK_THAT(f.field(job, "dlr_detail"), Catch::Contains("failed: system failed"));
        CHECK_FALSE(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
        CHECK(f.consent.ledger("toyland").empty());
    }
    SECTION("subscribe_msg_sent_event: 0 delivered; 43101 refused and an opt-out") {
        const auto [ok, ok_id] = f.send("babycare", "B1", "oBABY_B1", Kind::birthday);
        const auto [no, no_id] = f.send("toyland", "M2", "oTOY_M2", Kind::birthday);
        auto r = post(listener.port(), subscribe_sent("oBABY_B1", ok_id, "0", "success"), ts, "4");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.jobs.get("babycare", ok.id)->state == JobState::delivered);
        r = post(listener.port(), subscribe_sent("oTOY_M2", no_id, "43101", "failed:user refuse"),
                 ts, "5");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.field(no, "dlr_status") == "undelivered");
        CHECK_THAT(f.field(no, "dlr_detail"), Catch::Contains("43101"));
        CHECK(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M2"));
        CHECK_FALSE(f.consent.is_opted_out("babycare", Channel::wechat, "oBABY_B1"));
    }
    SECTION("an unknown MsgID: acknowledged, nothing changes") {
        const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
        const auto before = state_of(f.redis);
        const auto r =
            post(listener.port(), template_finish("oTOY_M1", "999999", "success"), ts, "6");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "success");
        CHECK(state_of(f.redis) == before);
    }
}

TEST_CASE("WeChat message server: follows, unfollows and notice choices", "[wechat]") {
    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken);
    const auto ts = f.timestamp();

    SECTION("unsubscribe: a WeChat opt-out in every store that sends by WeChat") {
        const auto planned = f.plan("babycare", "B7", "oFAN_7");
        const auto r = post(listener.port(), event_xml("oFAN_7", "unsubscribe"), ts, "11");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.consent.is_opted_out("toyland", Channel::wechat, "oFAN_7"));
        CHECK(f.consent.is_opted_out("babycare", Channel::wechat, "oFAN_7"));
        CHECK_FALSE(f.consent.is_opted_out("smsonly", Channel::wechat, "oFAN_7"));
        CHECK(f.jobs.get("babycare", planned.id)->state == JobState::cancelled);
        const auto ledger = f.consent.ledger("toyland");
        REQUIRE(ledger.size() == 1);
        CHECK(ledger[0].source == ConsentSource::wechat_event);
        CHECK(ledger[0].address == "oFAN_7");
        CHECK_THAT(ledger[0].detail, Catch::Contains("unsubscribe"));

        SECTION("a later subscribe is an opt-in that lifts it (core/consent.h)") {
            const auto again = post(listener.port(), event_xml("oFAN_7", "subscribe"), ts, "12");
            REQUIRE(again);
            CHECK(again->status == 200);
            CHECK_FALSE(f.consent.is_opted_out("toyland", Channel::wechat, "oFAN_7"));
            CHECK_FALSE(f.consent.is_opted_out("babycare", Channel::wechat, "oFAN_7"));
            const auto after = f.consent.ledger("toyland");
            REQUIRE(after.size() == 2);
            CHECK(after[1].opt_in);
            CHECK(after[1].source == ConsentSource::wechat_event);
        }
    }
    SECTION("a notice popup with a reject: opt-out; accept only: opt-in") {
        auto r =
            post(listener.port(),
                 notice_choice_xml("oFAN_8", "subscribe_msg_popup_event", {"accept", "reject"}), ts,
                 "13");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.consent.is_opted_out("toyland", Channel::wechat, "oFAN_8"));
        r = post(listener.port(),
                 notice_choice_xml("oFAN_8", "subscribe_msg_popup_event", {"accept"}), ts, "14");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK_FALSE(f.consent.is_opted_out("toyland", Channel::wechat, "oFAN_8"));
        const auto ledger = f.consent.ledger("babycare");
        REQUIRE(ledger.size() == 2);
        CHECK_FALSE(ledger[0].opt_in);
        CHECK(ledger[1].opt_in);
        CHECK_THAT(ledger[0].detail, Catch::Contains("SUB-BDAY=reject"));
    }
    SECTION("a change event (notices refused in settings): opt-out") {
        const auto r =
            post(listener.port(),
                 notice_choice_xml("oFAN_9", "subscribe_msg_change_event", {"reject"}), ts, "15");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(f.consent.is_opted_out("babycare", Channel::wechat, "oFAN_9"));
    }
    SECTION("a member's text message or a menu click: acknowledged, ignored") {
        const auto before = state_of(f.redis);
        auto r = post(listener.port(), event_xml("oFAN_9", "CLICK", "<EventKey>V1</EventKey>"), ts,
                      "16");
        REQUIRE(r);
        CHECK(r->status == 200);
        r = post(listener.port(),
                 "<xml><FromUserName>oFAN_9</FromUserName><MsgType>text</MsgType>"
                 "<Content>退订</Content></xml>",
                 ts, "17");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(state_of(f.redis) == before);
    }
}

TEST_CASE(
    "WeChat message server: a resharded store's events are parked, answered, and replayed after "
    "the switch",
    "[wechat]") {
    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken);
    const auto ts = f.timestamp();
    const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
    const auto planned = f.plan("babycare", "B7", "oTOY_M1");
    const auto today = f.plan("toyland", "M2", "oTOY_M1");
    ParkedEvents parked(f.redis, f.config);

    // The listener has not read toyland's shard record yet: it reads it with
    // the first event and parks from the phase it names (the visit feed's
    // test, store_parking_test, parks from the fence met).
    hold_for_copy(f.redis, "toyland", 1, 1);
    // Answered 200: WeChat tries three times in seconds, a copy takes minutes.
    auto r = post(listener.port(), template_finish("oTOY_M1", msgid, "success"), ts, "41");
    REQUIRE(r);
    CHECK(r->status == 200);
    r = post(listener.port(), event_xml("oTOY_M1", "unsubscribe"), ts, "42");
    REQUIRE(r);
    CHECK(r->status == 200);
    // babycare is not held: its opt-out is recorded at once.
    CHECK(f.consent.is_opted_out("babycare", Channel::wechat, "oTOY_M1"));
    CHECK(f.jobs.get("babycare", planned.id)->state == JobState::cancelled);
    CHECK(f.jobs.get("toyland", job.id)->state == JobState::sent);
    CHECK_FALSE(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
    CHECK(f.consent.ledger("toyland").empty());
    CHECK(parked.waiting("toyland") == 2);

    switch_layout(f.redis, "toyland", 1, 1);
    const auto replayed = parked.replay("toyland", f.clock.now());
    CHECK(replayed.applied == 2);
    CHECK(replayed.ended);
    CHECK(f.jobs.get("toyland", job.id)->state == JobState::delivered);
    CHECK(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
    CHECK(f.jobs.get("toyland", today.id)->state == JobState::cancelled);
    const auto ledger = f.consent.ledger("toyland");
    REQUIRE(ledger.size() == 1);
    CHECK(ledger[0].source == ConsentSource::wechat_event);
    CHECK_THAT(ledger[0].detail, Catch::Contains("unsubscribe"));

    // Live again: the next event is recorded at once.
    r = post(listener.port(), event_xml("oTOY_M1", "subscribe"), ts, "43");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_FALSE(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
    CHECK(parked.waiting("toyland") == 0);
}

TEST_CASE("WeChat message server: every door knows who is knocking", "[wechat]") {
    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken);
    const auto ts = f.timestamp();
    const auto [job, msgid] = f.send("toyland", "M1", "oTOY_M1");
    const auto delivered = template_finish("oTOY_M1", msgid, "success");
    const auto unfollow = event_xml("oTOY_M1", "unsubscribe");
    const auto before = snapshot(f.redis);

    SECTION("a wrong signature: 403, nothing changes") {
        for (const auto* body : {&delivered, &unfollow}) {
            const auto r = post(listener.port(), *body, ts, "21", "notthetoken");
            REQUIRE(r);
            CHECK(r->status == 403);
        }
        CHECK(snapshot(f.redis) == before);
    }
    SECTION("a stale timestamp, properly signed: 403, nothing changes") {
        const auto old = std::to_string(f.clock.now().time_since_epoch().count() - 600);
        for (const auto* body : {&delivered, &unfollow}) {
            const auto r = post(listener.port(), *body, old, "22");
            REQUIRE(r);
            CHECK(r->status == 403);
        }
        CHECK(snapshot(f.redis) == before);
    }
    SECTION("a replayed nonce: 403, nothing changes the second time") {
        auto r = post(listener.port(), unfollow, ts, "23");
        REQUIRE(r);
        CHECK(r->status == 200);
        f.redis.command({"SREM", "hu:{toyland}:optout:wechat", "oTOY_M1"});
        const auto after_first = snapshot(f.redis);
        r = post(listener.port(), unfollow, ts, "23");
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(snapshot(f.redis) == after_first);
        CHECK_FALSE(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_M1"));
    }
    SECTION("malformed XML, or an event missing what it needs: 400, nothing changes") {
        for (const std::string& bad :
             {std::string("<xml><MsgType>event</MsgType>"), std::string("not xml at all"),
              std::string(),
              std::string("<xml><MsgType>event</MsgType><Event>unsubscribe</Event></xml>"),
              template_finish("oTOY_M1", "", "success"),
              std::string("<!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><MsgType>&a;</MsgType></xml>"),
              notice_choice_xml("oTOY_M1", "subscribe_msg_popup_event", {"maybe"})}) {
            INFO(bad);
            const auto r = post(listener.port(), bad, ts, "24" + std::to_string(bad.size()));
            REQUIRE(r);
            CHECK(r->status == 400);
        }
        CHECK(snapshot(f.redis) == before);  // not even a nonce: refused before it is claimed
    }
}

TEST_CASE("WeChat message server: Redis away is a 503, and WeChat's retry is taken", "[wechat]") {
    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken);
    const auto ts = f.timestamp();
    const auto unfollow = event_xml("oFAN_R", "unsubscribe");
    f.server.stop();
    auto r = post(listener.port(), unfollow, ts, "51");
    REQUIRE(r);
    CHECK(r->status == 503);
    f.server.start();
    // WeChat retries the same request: same nonce, same signature.
    r = post(listener.port(), unfollow, ts, "51");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "success");
    auto redis = f.server.connect();
    ConsentStore consent(redis, f.config);
    CHECK(consent.is_opted_out("toyland", Channel::wechat, "oFAN_R"));
}

TEST_CASE("WeChat safe mode: AES-256-CBC with the EncodingAESKey", "[wechat]") {
    // Computed apart from huitou, in Python (cryptography 38):
    //   key = b64decode(EncodingAESKey + "="); iv = key[:16]
    //   raw = b"0123456789abcdef" + struct.pack(">I", len(msg)) + msg + appid
    //   pad to 32 with PKCS#7; b64encode(AES-CBC(key, iv).encrypt(raw))
    // for msg = the unsubscribe of oTOY_safe_member below, appid kAppId, and
    // once for another account's appid (wx_someone_else).
    const std::string ours =
        "Q3stYC6hdFzMh9T8HCvyDMi9bShgmE5Ap1ziJsGG3IbsWDoBBlsVl7X6+xwF9/pOqPe5OIcWq4wxuEt2I3u1LJ2v"
        "qxno0dwjnndddXmbIVNFDyJ5AYPROLW8TvlIyb6uU/XVRLUKbKpJ2li77FSG2cFIuSRRkgP8WG3m7BaM7Ce0kDqqdI"
        "FjYaVjMiSyeiHaePriWjUN00lqEmRwTM6o5RwiJSbw3eHmI2IBB3CWXYiwM8tQBGr7Tkgmt9+l1dZm/5/fblMO9onc"
        "sXQVhiKZz0fjho4xV8hiFafnEqljrmhxw1goAo8EYSjGFVE3wDlGkTVKH4/TXvgFuIm66upuy8NxKbbQXDTRmMjX9l"
        "F1NivL5bGtrFlgHajChIS5k9gr";
    const std::string theirs =
        "Q3stYC6hdFzMh9T8HCvyDMi9bShgmE5Ap1ziJsGG3IbsWDoBBlsVl7X6+xwF9/pOqPe5OIcWq4wxuEt2I3u1LJ2v"
        "qxno0dwjnndddXmbIVNFDyJ5AYPROLW8TvlIyb6uU/XVRLUKbKpJ2li77FSG2cFIuSRRkgP8WG3m7BaM7Ce0kDqqdI"
        "FjYaVjMiSyeiHaePriWjUN00lqEmRwTM6o5RwiJSbw3eHmI2IBB3CWXYiwM8tQBGr7Tkgmt9+l1dZm/5/fblMO9onc"
        "sXQVhiKZz0fjho4xV8hiFafnEqljrmhxw1goAo8EYSjGFVE3wDlG23wwKLG4DeMkG2HXdPKsqWxoIh11qhwAOtLukw"
        "2GQvtrsbvW6rHywnjvNZeHYpAw";
    const std::string message =
        "<xml><ToUserName><![CDATA[gh_toyland]]></ToUserName>"
        "<FromUserName><![CDATA[oTOY_safe_member]]></FromUserName>"
        "<CreateTime>1820023200</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[unsubscribe]]></Event></xml>";

    SECTION("decryption: the message, and each check") {
        const WechatCrypt crypt(kAesKey, kAppId);
        std::string error;
        CHECK(crypt.decrypt(ours, &error) == message);
        CHECK_FALSE(crypt.decrypt(theirs, &error));
        CHECK_THAT(error, Catch::Contains("wx_someone_else"));
        const WechatCrypt other_key("bbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", kAppId);
        CHECK_FALSE(other_key.decrypt(ours, &error));
        CHECK_FALSE(crypt.decrypt(ours.substr(4), &error));
        CHECK_FALSE(crypt.decrypt("not base64!", &error));
        CHECK_THROWS_AS(WechatCrypt("short", kAppId), std::invalid_argument);
        CHECK(base64_decode("YWI=") == "ab");
        CHECK(base64_decode("YQ==") == "a");
        CHECK_FALSE(base64_decode("YQ=a"));
    }

    Fixture f;
    WechatListener listener(f.config, f.server.endpoint(), f.clock, "127.0.0.1:0", kToken,
                            WechatCrypt(kAesKey, kAppId));
    const auto ts = f.timestamp();
    const auto wrapped = [](const std::string& encrypted) {
        return "<xml><ToUserName><![CDATA[gh_toyland]]></ToUserName><Encrypt><![CDATA[" +
               encrypted + "]]></Encrypt></xml>";
    };
    const auto safe_post = [&](const std::string& encrypted, const std::string& nonce,
                               const std::string& msg_signature) {
        return post(listener.port(), wrapped(encrypted), ts, nonce, kToken,
                    "&encrypt_type=aes&msg_signature=" + msg_signature);
    };

    SECTION("an encrypted unsubscribe with its msg_signature: recorded") {
        const auto r = safe_post(ours, "31", sign({kToken, ts, "31", ours}));
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "success");
        CHECK(f.consent.is_opted_out("toyland", Channel::wechat, "oTOY_safe_member"));
    }
    SECTION("another account's message, a wrong msg_signature, a plain body: 403") {
        const auto before = snapshot(f.redis);
        auto r = safe_post(theirs, "32", sign({kToken, ts, "32", theirs}));
        REQUIRE(r);
        CHECK(r->status == 403);
        r = safe_post(ours, "33", sign({kToken, ts, "33", theirs}));
        REQUIRE(r);
        CHECK(r->status == 403);
        r = post(listener.port(), message, ts, "34");
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(snapshot(f.redis) == before);
    }
}

TEST_CASE("WeChat message server config: errors name the key", "[wechat]") {
    const auto load = [](const std::string& official) {
        return parse_config(
            "[stores.toyland]\nname = \"x\"\n[wechat]\nprovider = \"wechat\"\n"
            "[wechat.official]\napp_id = \"wx1\"\napp_secret_env = \"S\"\n" +
                official,
            "c.toml");
    };
    CHECK_NOTHROW(load("listen = \"127.0.0.1:13090\"\ntoken_env = \"T\"\n"));
    CHECK_THROWS_WITH(load("listen = \"127.0.0.1:13090\"\n"),
                      Catch::Contains("wechat.official.token_file"));
    CHECK_THROWS_WITH(load("listen = \"nowhere\"\ntoken_env = \"T\"\n"),
                      Catch::Contains("wechat.official.listen"));
    CHECK_THROWS_WITH(load("encoding_aes_key_env = \"K\"\n"),
                      Catch::Contains("wechat.official.encoding_aes_key_file"));
    CHECK_THROWS_WITH(check_wechat_token("a-b", "wechat.official.token"),
                      Catch::Contains("wechat.official.token"));
    CHECK_THROWS_WITH(make_wechat_crypt("abc", kAppId, "wechat.official.encoding_aes_key"),
                      Catch::Contains("wechat.official.encoding_aes_key: expected 43"));
}

TEST_CASE("huitou-wechat runs the message server when wechat.official.listen is set", "[wechat]") {
    TestRedis server;
    TempDir dir;
    const int port = free_port();
    const std::string now = "2027-09-15T14:00:00+08:00";
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(), "HUITOU_NOW=" + now,
                                       "HUITOU_LOG_LEVEL=warn", "WX_TOKEN=" + kToken};
    const auto args = [&](const std::string& token_env) {
        return std::vector<std::string>{
            bin("huitou-wechat"),
            "--outbox",
            dir.file("wechat.jsonl"),
            "--set",
            "endpoints.wechat=tcp://127.0.0.1:" + std::to_string(free_port()),
            "--set",
            "endpoints.results=tcp://127.0.0.1:" + std::to_string(free_port()),
            "--set",
            "wechat.official.app_id=" + kAppId,
            "--set",
            "wechat.official.listen=127.0.0.1:" + std::to_string(port),
            "--set",
            "wechat.official.token_env=" + token_env};
    };

    SECTION("a Token of the wrong shape stops it at start, naming the key") {
        auto bad_env = env;
        bad_env.push_back("WX_BAD=not-a-token!");
        const auto r = run(args("WX_BAD"), bad_env, std::chrono::seconds(20));
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("wechat.official.token"));
    }
    SECTION("the URL check and an unsubscribe reach it") {
        Process wechat(args("WX_TOKEN"), env, dir.file("wechat.log"));
        const auto ts = std::to_string(parse_instant(now)->time_since_epoch().count());
        httplib::Client http("127.0.0.1", port);
        http.set_connection_timeout(1);
        std::string echoed;
        const bool up = eventually([&] {
            const auto r = http.Get(("/wechat?signature=" + sign({kToken, ts, "41"}) +
                                     "&timestamp=" + ts + "&nonce=41&echostr=hello")
                                        .c_str());
            if (r && r->status == 200) echoed = r->body;
            return r && r->status == 200;
        });
        INFO(read_file(dir.file("wechat.log")));
        REQUIRE(up);
        CHECK(echoed == "hello");
        const auto r = post(port, event_xml("oPROG_1", "unsubscribe"), ts, "42");
        REQUIRE(r);
        CHECK(r->status == 200);
        auto redis = server.connect();
        const auto stores = wechat_stores(parse_config(default_config_text(), "huitou.toml"));
        REQUIRE_FALSE(stores.empty());
        for (const auto& store : stores) {
            INFO(store);
            CHECK(redis.command({"SISMEMBER", "hu:{" + store + "}:optout:wechat", "oPROG_1"})
                      .integer == 1);
        }
    }
}
