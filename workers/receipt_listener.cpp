#include "workers/receipt_listener.h"

#include <mutex>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/sms_receipt.h"
#include "io/redis_connection.h"
#include "workers/callback_server.h"
#include "workers/receipt_recorder.h"

namespace huitou {

using nlohmann::json;

struct ReceiptListener::State {
    const ProviderConfig& provider;
    const Clock& clock;
    const bool aliyun;
    std::mutex mutex;  // the server's threads share one Redis connection
    RedisConnection redis;
    ReceiptRecorder recorder;
    CallbackServer http;  // last: stopped first, before what its handlers use

    State(const Config& c, const ProviderConfig& p, const RedisEndpoint& endpoint, const Clock& k,
          std::string secret, Counter counter)
        : provider(p),
          clock(k),
          aliyun(p.provider == "aliyun"),
          redis(endpoint),
          recorder(c, p, redis, counter),
          http(p.provider + " receipts", std::move(secret)) {}

    // The provider's "taken" answer.
    void accepted(httplib::Response& res) const {
        res.status = 200;
        res.set_content(aliyun ? json{{"code", 0}, {"msg", "成功"}}.dump()
                               : json{{"result", 0}, {"errmsg", "OK"}}.dump(),
                        "application/json");
    }

    static void refuse(httplib::Response& res, int status, const std::string& error) {
        res.status = status;
        res.set_content(json{{"error", error}}.dump(), "application/json");
    }

    void on_report(const httplib::Request& req, httplib::Response& res) {
        if (!http.authentic(req, res)) {
            recorder.count("push", "forbidden");
            return;
        }
        const auto batch =
            aliyun ? parse_aliyun_reports(req.body) : parse_tencent_reports(req.body);
        if (!batch.error.empty()) {
            spdlog::warn("{} receipts: refused a push from {}: {}", provider.provider,
                         req.remote_addr, batch.error);
            recorder.count("push", "malformed");
            return refuse(res, 400, batch.error);
        }
        std::lock_guard lock(mutex);
        try {
            for (const auto& r : batch.receipts) {
                const auto job = recorder.job_of(r, !aliyun);
                if (!job) {
                    recorder.unknown(r, "push");
                    continue;
                }
                // Tencent's SerialNo note has done its work.
                if (recorder.record(*job, r, clock.now(), "push") && !aliyun)
                    recorder.index().forget_serial(r.ref);
            }
            accepted(res);
        } catch (const RedisError& e) {
            // The provider pushes again (Aliyun after 1, 5, 10 minutes); what
            // was recorded is recorded again, idempotently.
            spdlog::error("{} receipts: not recorded: {}", provider.provider, e.what());
            try {
                redis.reconnect();
            } catch (const RedisError&) {
            }
            refuse(res, 503, "Redis is unavailable");
        } catch (const RedisReplyError& e) {
            spdlog::error("{} receipts: not recorded: Redis refused {}: {}", provider.provider,
                          e.request(), e.reply());
            refuse(res, 500, "Redis refused the report");
        }
    }
};

std::string ReceiptListener::path(const std::string& provider) {
    return "/" + provider + "/report";
}

ReceiptListener::ReceiptListener(const Config& config, const ProviderConfig& provider,
                                 const RedisEndpoint& redis, const Clock& clock, std::string secret,
                                 Counter counter) {
    if (provider.provider != "aliyun" && provider.provider != "tencent")
        throw ConfigError("sms.provider: receipts are pushed by aliyun or tencent, not \"" +
                          provider.provider + "\"");
    if (secret.empty())
        throw ConfigError("sms.receipts.callback_secret: required when receipts are pushed");
    state_ = std::make_unique<State>(config, provider, redis, clock, std::move(secret), counter);
    auto& server = state_->http.server();
    // A push is a few hundred reports at most; anything far larger is not one.
    server.set_payload_max_length(1 << 20);
    server.Post(path(provider.provider),
                [this](const httplib::Request& req, httplib::Response& res) {
                    state_->on_report(req, res);
                });
    port_ = state_->http.start(provider.receipts.listen, "sms.receipts.listen");
}

ReceiptListener::~ReceiptListener() = default;

}  // namespace huitou
