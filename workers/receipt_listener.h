// receipt_listener.h — Aliyun's and Tencent's pushed delivery receipts, taken
// by the SMS worker over HTTP.
//
// With receipts = "push" for the configured provider, huitou-sms serves, on
// sms.receipts.listen (loopback by default: put the provider-facing address
// behind a TLS reverse proxy), the one route of that provider:
//   POST /aliyun/report?key=K    Aliyun SmsReport (HTTP 批量推送): a JSON array
//       of {phone_number, send_time, report_time, success, err_code, err_msg,
//       sms_size, biz_id, out_id}; answered {"code":0,"msg":"成功"}.
//   POST /tencent/report?key=K   Tencent 短信下发状态回调: a JSON array of
//       {user_receive_time, nationcode, mobile, report_status, errmsg,
//       description, sid}; answered {"result":0,"errmsg":"OK"}.
// Neither provider signs its push (as their documents read), so the callback
// URL configured at the provider carries the secret (sms.receipts.callback_secret,
// compared in constant time, workers/callback_server.h): without it 403 and
// nothing recorded. A body that is not such an array is refused whole, 400
// {"error": "[1].success: expected true or false"}, nothing recorded.
// Each report goes through workers/receipt_recorder.h; one for a job huitou
// does not know is answered as recorded (the provider would retry it), logged
// and counted. Redis away: 503, which both providers retry.
// Its own thread and Redis connection, never the worker loop's.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/redis_url.h"

namespace huitou {

class ReceiptListener {
  public:
    // For `provider` (the sms channel's config, aliyun or tencent; it must
    // outlive this). Binds `provider.receipts.listen` (port 0 picks a free
    // one). Throws ConfigError when `secret` is empty or the address cannot be
    // bound, RedisError when Redis is unreachable.
    ReceiptListener(const Config& config, const ProviderConfig& provider,
                    const RedisEndpoint& redis, const Clock& clock, std::string secret,
                    Counter counter);
    ~ReceiptListener();
    ReceiptListener(const ReceiptListener&) = delete;
    ReceiptListener& operator=(const ReceiptListener&) = delete;

    int port() const { return port_; }
    // The route the provider is to call, without host and key ("/aliyun/report").
    static std::string path(const std::string& provider);

  private:
    struct State;
    std::unique_ptr<State> state_;
    int port_ = 0;
};

}  // namespace huitou
