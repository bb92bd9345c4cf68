// wechat_listener.h — the official account's message server, inside
// huitou-wechat: WeChat's delivery results and its members' follow and
// notice choices, over HTTP.
//
// An HTTP server (cpp-httplib) on its own thread with its own Redis
// connection, like the SMS worker's Kannel listener (workers/kannel_listener.h,
// whose pattern this copies). One path, /wechat, is the URL set in the
// account's settings (服务器地址), behind a TLS proxy on the public side:
//   GET  /wechat?signature&timestamp&nonce&echostr   the URL check: echostr
//        when signature = SHA-1 of sorted Token, timestamp, nonce
//        (workers/wechat_event.h), else 403;
//   POST /wechat?signature&timestamp&nonce[&encrypt_type=aes&msg_signature]
//        an event, answered "success" (WeChat's "nothing to reply").
// Every request proves itself the same way: the signature (in safe mode also
// msg_signature over the <Encrypt> text, and the decrypted message's appid,
// workers/wechat_crypt.h), a timestamp within 5 minutes of the clock, and a
// nonce not seen in the last 10 minutes (kept in Redis, shared by every
// huitou-wechat of the account; the window covers any timestamp that could
// still pass). A request that fails any is a 403 and changes nothing.
// Events: a delivery result (TEMPLATESENDJOBFINISH, subscribe_msg_sent_event)
// finds its job through the msgid (workers/wechat_msgids.h) and moves it
// with JobStore::record_delivery; a refusal in it ("failed:user block",
// 43101) is also a WeChat opt-out of the job's store (ConsentStore::record,
// source wechat_event). Follows, unfollows and notice choices name an openid
// of the account, which serves every store: they are recorded for each store
// that sends by WeChat (opt-out: unsubscribe, a rejected notice; opt-in, which
// lifts a refusal per core/consent.h: subscribe, an accepted notice). An
// unknown msgid or event is acknowledged and logged. Malformed XML is a 400;
// Redis away a 503 (WeChat retries), Redis refusing a 500.
// Each request touches Redis a few times, milliseconds: well inside the 5 s
// WeChat waits, with a 2 s Redis timeout so a stalled Redis answers in time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/redis_url.h"
#include "workers/wechat_crypt.h"

namespace huitou {

// The stores a follow, unfollow or notice choice of the account is recorded
// for: those with WeChat among their channels.
std::vector<std::string> wechat_stores(const Config& config);

class WechatListener {
  public:
    // Binds `listen` ("host:port"; port 0 picks a free one), never sharing the
    // port (io/http_listener.h). `token` is the account's server Token (not
    // empty); `crypt` set means safe mode: only encrypted events are taken.
    // Throws ConfigError if it cannot bind, RedisError if Redis is unreachable.
    WechatListener(const Config& config, const RedisEndpoint& redis, const Clock& clock,
                   const std::string& listen, std::string token,
                   std::optional<WechatCrypt> crypt = std::nullopt);
    ~WechatListener();
    WechatListener(const WechatListener&) = delete;
    WechatListener& operator=(const WechatListener&) = delete;

    int port() const { return port_; }

  private:
    struct State;
    std::unique_ptr<State> state_;
    int port_ = 0;
    std::thread thread_;
};

// The Token and EncodingAESKey as WeChat's settings page allows them: Token
// 3–32 letters and digits, EncodingAESKey 43 of them. Throws ConfigError
// naming `key` and what is wrong.
void check_wechat_token(const std::string& token, const std::string& key);
WechatCrypt make_wechat_crypt(const std::string& encoding_aes_key, const std::string& app_id,
                              const std::string& key);

}  // namespace huitou
