// WechatSender against a local server playing api.weixin.qq.com: one shared
// token (stable_token, cached in Redis, fetched once by a fleet starting
// together), template messages for card expiry with client_msg_id,
// subscription notices for greetings, field values cut to their type, and
// the documented error codes: 40001/42001 (refresh once and repeat), 43004 /
// 43101 (consent lost), 45009 (stop until the next day), 47003, timeouts.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"
#include "workers/wechat_sender.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Config wechat_config(const std::string& api_base) {
    return parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[wechat]
provider = "wechat"
http_timeout_ms = 300
[wechat.official]
api_base = ")" + api_base + R"("
app_id = "wx0123456789abcdef"
app_secret_env = "UNUSED"
[wechat.official.templates.card_expiry]
id = "TPL-CARD"
fields = { thing1 = "store", time2 = "card_expires", thing3 = "text" }
[wechat.official.templates.birthday]
id = "SUB-BDAY"
fields = { name1 = "name", thing2 = "text" }
page = "pages/coupon"
)",
                        "wechat.toml");
}

JobMessage job(Kind kind) {
    JobMessage j;
    j.store = "toyland";
    j.job_id = std::string(to_string(kind)) + ":M1:2027-09-15";
    j.member_id = "M1";
    j.kind = kind;
    j.channel = Channel::wechat;
    j.to = "oTOY_openid_M1";
    j.text = "您的金卡将于2027年10月15日到期，到期前到店消费可续期一年，欢迎光临童乐玩具";
    j.params = {{"store", "童乐玩具"}, {"card_expires", "2027年10月15日"}, {"name", "王芳"}};
    j.attempt = 1;
    j.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    return j;
}

// Plays WeChat: tokens from stable_token ("TOKEN1", "TOKEN2", ... on each
// forced refresh), and a queue of errcodes for the message endpoints. A
// template message's client_msg_id is deduplicated as WeChat documents it
// (one message per openid + id): a repeat is not delivered again and is
// answered with `duplicate_errcode` (0 with the first msgid, or 45065
// "clientmsgid exist" as WeChat's mass send answers). Raw answers (status,
// body) can stand in for WeChat's: a proxy's 502, a body without errcode.
struct FakeWechat {
    using Raw = std::pair<int, std::string>;
    std::atomic<int> token_fetches{0}, forced{0};
    std::atomic<int> generation{1};
    std::mutex mutex;
    std::vector<long> errcodes;              // answered in order; 0 once empty
    std::vector<Raw> raw_sends, raw_tokens;  // answered first, in order, instead of WeChat
    std::vector<std::string> delivered;      // the bodies of the messages that went
    std::map<std::string, long> ids;         // openid + client_msg_id → msgid
    long duplicate_errcode = 0;
    long next_msgid = 200228332;
    std::chrono::milliseconds token_delay{0}, send_delay{0};
    HttpServer http;  // last: stopped first, before the state its handlers read

    static std::optional<Raw> pop(std::vector<Raw>& queue) {
        if (queue.empty()) return std::nullopt;
        Raw r = queue.front();
        queue.erase(queue.begin());
        return r;
    }

    FakeWechat() {
        http.server().Post(
            "/cgi-bin/stable_token", [this](const httplib::Request& req, httplib::Response& res) {
                std::this_thread::sleep_for(token_delay);
                const auto body = json::parse(req.body);
                ++token_fetches;
                {
                    std::lock_guard lock(mutex);
                    if (const auto raw = pop(raw_tokens)) {
                        res.status = raw->first;
                        res.set_content(raw->second, "application/json");
                        return;
                    }
                }
                if (body.value("secret", "") != "app-secret") {
                    res.set_content(R"({"errcode":40125,"errmsg":"invalid appsecret"})",
                                    "application/json");
                    return;
                }
                if (body.value("force_refresh", false)) {
                    ++forced;
                    ++generation;
                }
                res.set_content(json{{"access_token", "TOKEN" + std::to_string(generation.load())},
                                     {"expires_in", 7200}}
                                    .dump(),
                                "application/json");
            });
        const auto send = [this](const httplib::Request& req, httplib::Response& res) {
            std::optional<Raw> raw;
            json answer;
            {
                std::lock_guard lock(mutex);
                raw = pop(raw_sends);
                long code = 0;
                if (!raw && !errcodes.empty()) {
                    code = errcodes.front();
                    errcodes.erase(errcodes.begin());
                }
                if (req.get_param_value("access_token") !=
                    "TOKEN" + std::to_string(generation.load()))
                    code = 40001;
                answer = {{"errcode", code}, {"errmsg", code ? "as documented" : "ok"}};
                if (!raw && code == 0) {
                    // WeChat takes it (before any delay: a late answer, not a lost message).
                    const auto body = json::parse(req.body);
                    const std::string id = body.value("client_msg_id", "");
                    const std::string key = body.value("touser", "") + "\n" + id;
                    if (!id.empty() && ids.count(key)) {
                        answer = {{"errcode", duplicate_errcode},
                                  {"errmsg", duplicate_errcode ? "clientmsgid exist" : "ok"}};
                        answer[duplicate_errcode ? "msg_id" : "msgid"] = ids[key];
                    } else {
                        const long msgid = next_msgid++;
                        if (!id.empty()) ids[key] = msgid;
                        delivered.push_back(req.body);
                        answer["msgid"] = msgid;
                    }
                }
            }
            std::this_thread::sleep_for(send_delay);
            if (raw) {
                res.status = raw->first;
                res.set_content(raw->second, "application/json");
                return;
            }
            res.set_content(answer.dump(), "application/json");
        };
        http.server().Post("/cgi-bin/message/template/send", send);
        http.server().Post("/cgi-bin/message/subscribe/bizsend", send);
        http.start();
    }

    void answer(std::vector<long> codes) {
        std::lock_guard lock(mutex);
        errcodes = std::move(codes);
    }
    void answer_raw(std::vector<Raw> sends, std::vector<Raw> tokens = {}) {
        std::lock_guard lock(mutex);
        raw_sends = std::move(sends);
        raw_tokens = std::move(tokens);
    }
    std::vector<std::string> messages() {
        std::lock_guard lock(mutex);
        return delivered;
    }
};

}  // namespace

TEST_CASE("WeChat: shared token, template and subscription messages, error codes") {
    TestRedis server;
    FakeWechat wechat;
    const Config config = wechat_config(wechat.http.url());
    auto redis = server.connect();
    WechatSender sender(config, config.wechat, "app-secret", redis);
    const SysSeconds now = *parse_instant("2027-09-15T10:00:00+08:00");

    SECTION("card expiry goes as a template message with client_msg_id; fields cut") {
        const auto r = sender.send(job(Kind::card_expiry), now);
        CHECK(r.outcome == Outcome::sent);
        CHECK(r.provider_ref == "200228332");
        const auto sent = wechat.http.seen("/cgi-bin/message/template/send");
        REQUIRE(sent.size() == 1);
        const auto body = json::parse(sent[0].body);
        CHECK(body["touser"] == "oTOY_openid_M1");
        CHECK(body["template_id"] == "TPL-CARD");
        CHECK(body["client_msg_id"] == "toyland:card_expiry:M1:2027-09-15");
        CHECK(body["data"]["thing1"]["value"] == "童乐玩具");
        CHECK(body["data"]["time2"]["value"] == "2027年10月15日");
        // thing ≤ 20 characters, cut on a character, never inside UTF-8.
        const std::string thing3 = body["data"]["thing3"]["value"];
        CHECK(count_code_points(thing3) == 20);
        CHECK(is_valid_utf8(thing3));
        CHECK(thing3 == "您的金卡将于2027年10月15日到期，");
    }

    SECTION("greetings go as subscription notices, without client_msg_id") {
        CHECK(sender.send(job(Kind::birthday), now).outcome == Outcome::sent);
        const auto sent = wechat.http.seen("/cgi-bin/message/subscribe/bizsend");
        REQUIRE(sent.size() == 1);
        const auto body = json::parse(sent[0].body);
        CHECK(body["template_id"] == "SUB-BDAY");
        CHECK(body["page"] == "pages/coupon");
        CHECK_FALSE(body.contains("client_msg_id"));
        CHECK(body["data"]["name1"]["value"] == "王芳");
        CHECK(wechat.http.seen("/cgi-bin/message/template/send").empty());
        // A kind without a template is this message's failure.
        CHECK(sender.send(job(Kind::festival), now).outcome == Outcome::failed);
    }

    SECTION("one token, cached in Redis, shared by another worker") {
        sender.send(job(Kind::card_expiry), now);
        sender.send(job(Kind::card_expiry), now);
        auto redis2 = server.connect();
        WechatSender other(config, config.wechat, "app-secret", redis2);
        other.send(job(Kind::card_expiry), now);
        CHECK(wechat.token_fetches == 1);
        const auto ttl = redis.command({"TTL", "hu:wechat:{wx0123456789abcdef}:token"}).integer;
        CHECK(ttl > 6800);  // expires_in − 300: refreshed five minutes early
        CHECK(ttl <= 6900);
    }

    SECTION("workers starting together fetch the token once") {
        wechat.token_delay = 200ms;
        std::vector<std::thread> threads;
        std::atomic<int> sent{0};
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                auto r = server.connect();
                WechatSender s(config, config.wechat, "app-secret", r);
                if (s.send(job(Kind::card_expiry), now).outcome == Outcome::sent) ++sent;
            });
        }
        for (auto& t : threads)
            t.join();
        CHECK(sent == 4);
        CHECK(wechat.token_fetches == 1);
    }

    SECTION("40001: refresh once (forced, since normal mode returns the same) and repeat") {
        CHECK(sender.send(job(Kind::card_expiry), now).outcome == Outcome::sent);
        // WeChat rejects TOKEN1 once, though normal mode still hands it out.
        wechat.answer({40001});
        const auto r = sender.send(job(Kind::card_expiry), now);
        CHECK(r.outcome == Outcome::sent);
        CHECK(wechat.forced == 1);
        CHECK(wechat.token_fetches == 3);  // first, normal again, forced
        CHECK(redis.command({"HGET", "hu:wechat:{wx0123456789abcdef}:token", "token"}).str ==
              "TOKEN2");
    }

    SECTION("a token that stays invalid: one repeat only, then retry later") {
        wechat.answer({42001, 42001});
        const auto r = sender.send(job(Kind::birthday), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(wechat.http.seen("/cgi-bin/message/subscribe/bizsend").size() == 2);
    }

    SECTION("documented error codes") {
        wechat.answer({43004});
        CHECK(sender.send(job(Kind::birthday), now).outcome == Outcome::consent_lost);
        wechat.answer({43101});
        CHECK(sender.send(job(Kind::birthday), now).outcome == Outcome::consent_lost);
        wechat.answer({47003});
        CHECK(sender.send(job(Kind::birthday), now).outcome == Outcome::failed);
        wechat.answer({45009});
        const auto r = sender.send(job(Kind::card_expiry), now);
        CHECK(r.outcome == Outcome::account_problem);
        CHECK(r.retry_at == *parse_instant("2027-09-16T00:00:00+08:00"));
        wechat.answer({-1});
        CHECK(sender.send(job(Kind::birthday), now).outcome == Outcome::retry);
    }

    SECTION("a wrong secret: WeChat refuses the token, an account problem") {
        WechatSender wrong(config, config.wechat, "not-the-secret", redis);
        CHECK(wrong.send(job(Kind::birthday), now).outcome == Outcome::account_problem);
    }

    SECTION("a timeout: resent within the dedupe window only, and only as a template message") {
        wechat.send_delay = 600ms;
        const auto r = sender.send(job(Kind::card_expiry), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        CHECK(sender.verify(job(Kind::card_expiry), now, now + 60s).verdict ==
              Verification::Verdict::not_sent);
        CHECK(sender.verify(job(Kind::card_expiry), now, now + 11min).verdict ==
              Verification::Verdict::unknown);
        CHECK(sender.verify(job(Kind::birthday), now, now + 60s).verdict ==
              Verification::Verdict::unknown);
    }

    SECTION("HTTP 500/502 with a JSON body without errcode: never sent; maybe gone, so retry") {
        wechat.answer_raw({{502, R"({"message":"Bad Gateway"})"},
                           {500, R"({"error":"internal"})"},
                           {429, R"({"message":"Too Many Requests"})"}});
        auto r = sender.send(job(Kind::birthday), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);  // a 5xx may have been passed on: verify decides
        r = sender.send(job(Kind::card_expiry), now);
        CHECK(r.outcome == Outcome::retry);
        CHECK(r.maybe_sent);
        r = sender.send(job(Kind::birthday), now);  // a 4xx from a proxy: it did not go
        CHECK(r.outcome == Outcome::retry);
        CHECK_FALSE(r.maybe_sent);
        CHECK(wechat.messages().empty());
        // A subscription notice that may have gone cannot be resent blindly.
        CHECK(sender.verify(job(Kind::birthday), now, now + 60s).verdict ==
              Verification::Verdict::unknown);
    }

    SECTION("HTTP 200 without errcode (or with one that is not a number) is not sent either") {
        wechat.answer_raw({{200, R"({"msgid":200228399})"},
                           {200, R"({"errcode":"0","errmsg":"ok"})"},
                           {200, R"([0])"}});
        for (int i = 0; i < 3; ++i) {
            const auto r = sender.send(job(Kind::birthday), now);
            CHECK(r.outcome == Outcome::retry);
            CHECK(r.maybe_sent);
        }
        CHECK(wechat.messages().empty());
    }

    SECTION("the token: only HTTP 200 with an access_token; nothing else is cached or used") {
        const std::string key = "hu:wechat:{wx0123456789abcdef}:token";
        wechat.answer_raw({}, {{502, R"({"message":"Bad Gateway"})"},
                               {500, R"({"access_token":"PROXY","expires_in":7200})"},
                               {200, R"({"expires_in":7200})"},
                               {200, R"({"access_token":42,"expires_in":7200})"}});
        for (int i = 0; i < 4; ++i) {
            const auto r = sender.send(job(Kind::birthday), now);
            CHECK(r.outcome == Outcome::retry);
            CHECK_FALSE(r.maybe_sent);  // no message call was made
            CHECK(redis.command({"EXISTS", key}).integer == 0);
        }
        CHECK(wechat.http.seen("/cgi-bin/message/subscribe/bizsend").empty());
        CHECK(sender.send(job(Kind::birthday), now).outcome == Outcome::sent);
        CHECK(redis.command({"HGET", key, "token"}).str == "TOKEN1");
    }

    SECTION("a timeout after WeChat took it: resent with the same client_msg_id, one message") {
        wechat.duplicate_errcode = GENERATE(0L, 45065L);
        CAPTURE(wechat.duplicate_errcode);
        wechat.send_delay = 600ms;
        const auto first = sender.send(job(Kind::card_expiry), now);
        CHECK(first.outcome == Outcome::retry);
        CHECK(first.maybe_sent);
        REQUIRE(wechat.messages().size() == 1);  // WeChat has it; the answer was late
        wechat.send_delay = 0ms;
        // Within the ten-minute window the worker may send it again ...
        REQUIRE(sender.verify(job(Kind::card_expiry), now, now + 60s).verdict ==
                Verification::Verdict::not_sent);
        const auto again = sender.send(job(Kind::card_expiry), now + 60s);
        // ... WeChat recognises the id: one message, and the job is sent.
        CHECK(again.outcome == Outcome::sent);
        CHECK(again.provider_ref == "200228332");
        REQUIRE(eventually(
            [&] { return wechat.http.seen("/cgi-bin/message/template/send").size() == 2; }));
        const auto calls = wechat.http.seen("/cgi-bin/message/template/send");
        CHECK(json::parse(calls[0].body)["client_msg_id"] == "toyland:card_expiry:M1:2027-09-15");
        CHECK(json::parse(calls[1].body)["client_msg_id"] ==
              json::parse(calls[0].body)["client_msg_id"]);
        CHECK(wechat.messages().size() == 1);
    }
}
