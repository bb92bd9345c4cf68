#include "workers/wechat_token.h"

#include <random>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace huitou {

using nlohmann::json;
using namespace std::chrono_literals;

WechatToken::WechatToken(RedisConnection& redis, HttpClient& http, const WechatConfig& config,
                         std::string secret, std::chrono::milliseconds timeout)
    : redis_(redis),
      http_(http),
      config_(config),
      secret_(std::move(secret)),
      timeout_(timeout),
      drop_("wechat_token"),
      unlock_("release_lease") {}

std::string WechatToken::key() const {
    return "hu:wechat:{" + config_.app_id + "}:token";
}
std::string WechatToken::rejected_key() const {
    return "hu:wechat:{" + config_.app_id + "}:token-rejected";
}
std::string WechatToken::lock_key() const {
    return "hu:wechat:{" + config_.app_id + "}:token-lock";
}

std::string WechatToken::get() {
    const auto deadline = std::chrono::steady_clock::now() + timeout_ + 5s;
    static thread_local std::mt19937_64 random{std::random_device{}()};
    const std::string me = std::to_string(random());
    for (;;) {
        const auto cached = redis_.command({"HGET", key(), "token"});
        cached.expect_ok("HGET wechat token");
        if (!cached.is_nil() && !cached.str.empty()) return cached.str;
        const auto lock = redis_.command(
            {"SET", lock_key(), me, "NX", "PX", std::to_string((timeout_ + 5s).count())});
        lock.expect_ok("SET wechat token lock");
        if (lock.type == RedisReply::Type::status) {  // OK: this worker fetches
            try {
                // Another worker may have cached a token and let the lock go
                // between this worker's HGET and its SET: then use that one.
                const auto again = redis_.command({"HGET", key(), "token"});
                again.expect_ok("HGET wechat token");
                if (!again.is_nil() && !again.str.empty()) {
                    unlock(me);
                    return again.str;
                }
                std::string token = fetch(false);
                // Normal mode returns the token still in force; if that is the
                // one just rejected, only a forced refresh gives a new one.
                const auto rejected = redis_.command({"GET", rejected_key()});
                rejected.expect_ok("GET wechat rejected token");
                if (!rejected.is_nil() && rejected.str == token) token = fetch(true);
                unlock(me);
                return token;
            } catch (...) {
                unlock(me);
                throw;
            }
        }
        if (std::chrono::steady_clock::now() >= deadline)
            throw HttpError("wechat: no access token: another worker is fetching it", false);
        std::this_thread::sleep_for(50ms);
    }
}

// The lock is deleted only while it is still this worker's: a fetch slower
// than the lock's life must not free the lock another worker took since.
void WechatToken::unlock(const std::string& me) {
    unlock_.run(redis_, {lock_key()}, {me});
}

std::string WechatToken::fetch(bool force) {
    json body{{"grant_type", "client_credential"},
              {"appid", config_.app_id},
              {"secret", secret_},
              {"force_refresh", force}};
    ++fetches_;
    const auto response = http_.perform({"POST",
                                         config_.api_base + "/cgi-bin/stable_token",
                                         {"Content-Type: application/json"},
                                         body.dump(),
                                         timeout_});
    const auto answer = json::parse(response.body, nullptr, false);
    // A token only from WeChat's own answer: HTTP 200 with a string
    // access_token and no errcode but 0. A proxy's 5xx is a transport failure.
    if (response.status != 200 || answer.is_discarded() || !answer.is_object())
        throw HttpError("wechat stable_token: HTTP " + std::to_string(response.status) +
                            " without a readable answer",
                        false);
    const auto errcode = answer.find("errcode");
    const auto token_field = answer.find("access_token");
    const bool ok = (errcode == answer.end() || *errcode == 0) && token_field != answer.end() &&
                    token_field->is_string() && !token_field->get<std::string>().empty();
    if (!ok) {
        const long code =
            errcode != answer.end() && errcode->is_number_integer() ? errcode->get<long>() : -1;
        const auto errmsg = answer.find("errmsg");
        const std::string msg =
            errmsg != answer.end() && errmsg->is_string() ? errmsg->get<std::string>() : "";
        if (code == -1 || code == 0)
            throw HttpError("wechat stable_token: no access_token (errcode " +
                                std::to_string(code) + "): " + msg,
                            false);
        throw WechatTokenError("wechat stable_token " + std::to_string(code) + ": " + msg, code);
    }
    const std::string token = token_field->get<std::string>();
    const auto expires = answer.find("expires_in");
    const long expires_in =
        expires != answer.end() && expires->is_number_integer() ? expires->get<long>() : 7200L;
    // Cached until five minutes before it expires: then normal mode hands out a new one.
    const long ttl = std::max(30L, expires_in - 300);
    redis_.pipeline({{"HSET", key(), "token", token, "fetched_by_force", force ? "1" : "0"},
                     {"EXPIRE", key(), std::to_string(ttl)}});
    spdlog::info("wechat: new access token ({}), cached for {} s", force ? "forced" : "normal",
                 ttl);
    return token;
}

void WechatToken::invalidate(const std::string& token) {
    drop_.run(redis_, {key(), rejected_key()}, {token}).expect_ok("wechat_token");
}

}  // namespace huitou
