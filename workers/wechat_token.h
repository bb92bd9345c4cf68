// wechat_token.h — one WeChat access token for every worker, kept in Redis.
//
// WeChat allows one valid token per account at a time (per mode), and every
// fetch counts against a quota; so workers share it. The token lives in
// hu:wechat:{<appid>}:token (a hash: token, expires_at) with a TTL of
// expires_in − 300 s: cgi-bin/stable_token in normal mode hands out a new
// token in the last five minutes of the old one (both stay valid then), so
// the cached copy vanishes just when a fresh one can be had — refreshed
// before it expires. Fetching is single-flight: the worker that wins
// SET hu:wechat:{<appid>}:token-lock NX PX reads the cache once more (the
// last holder may have filled it and let go just before) and fetches only if
// it is still empty; the others wait for the token to appear (bounded), so a
// fleet starting at once makes one request. The lock is deleted only by its
// holder.
// A token WeChat rejects (40001, 42001) is dropped only if it is still the
// cached one (scripts/wechat_token.lua) — a worker with an old token never
// throws away the fresh one — and if normal mode returns the rejected token
// again, the fetch forces a refresh (limited by WeChat to 20 a day).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "core/provider_config.h"
#include "io/http_client.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

// WeChat refused to give a token (wrong secret, IP not whitelisted ...): the
// account's problem. `errcode` is WeChat's.
class WechatTokenError : public std::runtime_error {
  public:
    WechatTokenError(const std::string& what, long errcode)
        : std::runtime_error(what), errcode_(errcode) {}
    long errcode() const { return errcode_; }

  private:
    long errcode_;
};

class WechatToken {
  public:
    WechatToken(RedisConnection& redis, HttpClient& http, const WechatConfig& config,
                std::string secret, std::chrono::milliseconds timeout);

    // A token to call the API with. Throws HttpError (transport),
    // WechatTokenError (WeChat refused), RedisError.
    std::string get();

    // `token` was rejected as invalid or expired: the next get() fetches a
    // new one (unless another worker already did).
    void invalidate(const std::string& token);

    std::string key() const;
    std::string lock_key() const;
    std::string rejected_key() const;
    // How many tokens this process fetched (for tests).
    std::size_t fetches() const { return fetches_; }

  private:
    std::string fetch(bool force);
    void unlock(const std::string& me);

    RedisConnection& redis_;
    HttpClient& http_;
    const WechatConfig& config_;
    std::string secret_;
    std::chrono::milliseconds timeout_;
    LuaScript drop_;
    LuaScript unlock_;  // scripts/release_lease.lua: delete the lock only if it is ours
    std::size_t fetches_ = 0;
};

}  // namespace huitou
