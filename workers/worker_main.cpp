#include "workers/worker_main.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "io/program_setup.h"
#include "io/redis_outage.h"
#include "io/secret.h"
#include "workers/aliyun_sender.h"
#include "workers/kannel_listener.h"
#include "workers/kannel_sender.h"
#include "workers/null_sender.h"
#include "workers/outbox_sender.h"
#include "workers/receipt_listener.h"
#include "workers/receipt_poller.h"
#include "workers/receipt_recorder.h"
#include "workers/tencent_sender.h"
#include "workers/wechat_listener.h"
#include "workers/wechat_sender.h"
#include "workers/worker.h"
#include "workers/worker_admin.h"

namespace huitou {
namespace {

// Whether Kannel calls this worker back (delivery reports, replies): then
// the callback secret is required.
bool kannel_callbacks(const ProviderConfig& provider) {
    return provider.provider == "kannel" &&
           (provider.kannel.dlr_mask > 0 || !provider.kannel.listen.empty());
}

std::string kannel_callback_secret(const ProviderConfig& provider) {
    if (!kannel_callbacks(provider)) return {};
    auto secret = read_secret(provider.kannel.callback_secret, "sms.kannel.callback_secret");
    check_callback_secret(secret);
    return secret;
}

// The WeChat message server's secrets, read at start like the others: the
// Token, and the safe-mode key when one is configured.
struct WechatServerSecrets {
    std::string token;
    std::optional<WechatCrypt> crypt;
};
std::optional<WechatServerSecrets> wechat_server_secrets(Channel channel,
                                                         const ProviderConfig& provider) {
    const auto& w = provider.wechat;
    if (channel != Channel::wechat || w.listen.empty()) return std::nullopt;
    WechatServerSecrets s{read_secret(w.token, "wechat.official.token"), std::nullopt};
    check_wechat_token(s.token, "wechat.official.token");
    if (!w.encoding_aes_key.empty()) {
        s.crypt =
            make_wechat_crypt(read_secret(w.encoding_aes_key, "wechat.official.encoding_aes_key"),
                              w.app_id, "wechat.official.encoding_aes_key");
    }
    return s;
}

// The secret the providers' receipt pushes carry, when they are pushed.
std::string receipts_callback_secret(const ProviderConfig& provider) {
    if (provider.receipt_mode() != ReceiptMode::push) return {};
    auto secret = read_secret(provider.receipts.callback_secret, "sms.receipts.callback_secret");
    check_callback_secret(secret, "sms.receipts.callback_secret");
    return secret;
}

// The receipt listener or poller the provider's receipts need, if any; after
// the worker, so they count in its metrics.
struct Receipts {
    std::unique_ptr<ReceiptListener> listener;
    std::unique_ptr<ReceiptPoller> poller;
};
Receipts start_receipts(const ProviderConfig& provider, const Runtime& rt, Worker& worker,
                        const std::string& callback_secret) {
    Receipts r;
    const auto mode = provider.receipt_mode();
    if (mode == ReceiptMode::off) return r;
    const Counter counter = receipt_counter(worker.metrics().registry());
    if (mode == ReceiptMode::push) {
        r.listener = std::make_unique<ReceiptListener>(rt.config, provider, rt.redis, *rt.clock,
                                                       callback_secret, counter);
        spdlog::info("{} receipts pushed to port {} ({})", provider.provider, r.listener->port(),
                     ReceiptListener::path(provider.provider));
        return r;
    }
    const bool aliyun = provider.provider == "aliyun";
    r.poller = std::make_unique<ReceiptPoller>(
        rt.config, provider, rt.redis, *rt.clock,
        aliyun ? read_secret(provider.aliyun.access_key_secret, "sms.aliyun.access_key_secret")
               : read_secret(provider.tencent.secret_key, "sms.tencent.secret_key"),
        counter);
    r.poller->start();
    spdlog::info("{} receipts polled every {} s", provider.provider,
                 provider.receipts.poll_interval.count());
    return r;
}

std::unique_ptr<Sender> make_sender(const ProviderConfig& provider, const Config& config,
                                    RedisConnection& redis, const std::string& callback_secret) {
    // Config loading has already refused unknown provider names.
    if (provider.provider == "kannel") {
        return std::make_unique<KannelSender>(
            config, provider, read_secret(provider.kannel.password, "sms.kannel.password"),
            callback_secret);
    }
    if (provider.provider == "aliyun") {
        return std::make_unique<AliyunSender>(
            config, provider,
            read_secret(provider.aliyun.access_key_secret, "sms.aliyun.access_key_secret"));
    }
    if (provider.provider == "tencent") {
        return std::make_unique<TencentSender>(
            config, provider, read_secret(provider.tencent.secret_key, "sms.tencent.secret_key"));
    }
    if (provider.provider == "wechat") {
        return std::make_unique<WechatSender>(
            config, provider, read_secret(provider.wechat.app_secret, "wechat.official.app_secret"),
            redis);
    }
    if (provider.provider == "null") {
        spdlog::warn(
            "provider \"null\" (bench = true): nothing is sent, every job is reported "
            "sent — a benchmark, not a shop");
        return std::make_unique<NullSender>();
    }
    return std::make_unique<OutboxSender>(provider.outbox_path, config);
}

std::string worker_name(Channel channel) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return std::string(to_string(channel)) + "@" + host + ":" + std::to_string(getpid());
}

// The monitoring listener, when the channel's admin_listen is set.
std::unique_ptr<WorkerAdmin> start_worker_admin(Channel channel, const ProviderConfig& provider,
                                                Worker& worker, const RedisEndpoint& redis) {
    if (provider.admin_listen.empty()) return nullptr;
    auto admin = std::make_unique<WorkerAdmin>(
        provider.admin_listen, std::string(to_string(channel)) + ".admin_listen",
        worker.metrics().registry(), redis, [&worker] { return worker.connected(); });
    spdlog::info("metrics on port {} (GET /metrics, /healthz, /readyz)", admin->port());
    return admin;
}

// With redis.wait_replicas set, a server with fewer replicas connected
// holds every call back (each job deferred, then expired at its day's
// end): said once at start, where an operator looks. A cluster's masters
// are not asked here (each job's WAIT says it).
void warn_if_too_few_replicas(RedisConnection& redis, const ReplicaWait& wait) {
    if (wait.replicas == 0 || redis.cluster()) return;
    try {
        const auto info = redis.command({"INFO", "replication"});
        const auto at = info.str.find("connected_slaves:");
        if (at == std::string::npos) return;
        const int connected = std::atoi(info.str.c_str() + at + 17);
        if (connected < wait.replicas) {
            spdlog::warn(
                "redis.wait_replicas is {} but the server has {} replica(s) connected: "
                "no provider call is made until {} acknowledge each call mark",
                wait.replicas, connected, wait.replicas);
        }
    } catch (const RedisError&) {
        // Redis away: the first job's WAIT will say it.
    }
}

}  // namespace

int worker_main(Channel channel, int argc, char** argv) {
    const std::string program = "huitou-" + std::string(to_string(channel));
    CLI::App app{program + ": sends " + std::string(to_string(channel)) +
                 " jobs through the configured provider"};
    CommonOptions common;
    add_common_options(app, common);
    std::string outbox;
    app.add_option("--outbox", outbox,
                   "Outbox provider: write messages to this file (overrides config)");
    if (const auto status = parse_options(app, argc, argv)) return *status;
    try {
        setup_logging(std::string(to_string(channel)), common.log_level);
        Runtime rt = make_runtime(common);
        ProviderConfig provider = channel == Channel::sms ? rt.config.sms : rt.config.wechat;
        if (!outbox.empty()) {
            provider.provider = "outbox";
            provider.outbox_path = outbox;
        }
        // Secrets are read at start: a missing one stops here, before Redis is awaited.
        const std::string callback_secret = kannel_callback_secret(provider);
        const auto wechat_secrets = wechat_server_secrets(channel, provider);
        const std::string receipts_secret = receipts_callback_secret(provider);
        install_stop_signals();
        // A worker started before Redis waits for it: start order does not matter.
        auto connected = RedisOutage::connect_when_up(rt.redis);
        if (!connected) return 0;  // stopped before Redis came
        RedisConnection& redis = *connected;
        auto sender = make_sender(provider, rt.config, redis, callback_secret);
        std::unique_ptr<KannelListener> listener;
        if (provider.provider == "kannel" && !provider.kannel.listen.empty()) {
            listener = std::make_unique<KannelListener>(rt.config, rt.redis, *rt.clock,
                                                        provider.kannel.listen, callback_secret);
            spdlog::info("delivery reports and replies from Kannel on port {}", listener->port());
        }
        std::unique_ptr<WechatListener> wechat_listener;
        if (wechat_secrets) {
            wechat_listener = std::make_unique<WechatListener>(
                rt.config, rt.redis, *rt.clock, provider.wechat.listen, wechat_secrets->token,
                wechat_secrets->crypt);
            spdlog::info("the account's message server on port {} (/wechat{})",
                         wechat_listener->port(), wechat_secrets->crypt ? ", safe mode" : "");
        }
        zmq::context_t zmq;
        const auto& endpoint =
            channel == Channel::sms ? rt.config.endpoints.sms : rt.config.endpoints.wechat;
        Worker worker(channel, rt.config, *sender, redis, zmq, *rt.clock, worker_name(channel),
                      endpoint, rt.config.endpoints.results, &provider);
        ReceiptIndex receipt_index(redis, provider);
        if (receipt_index.needed()) worker.set_receipt_index(&receipt_index);
        const auto receipts = start_receipts(provider, rt, worker, receipts_secret);
        const auto admin = start_worker_admin(channel, provider, worker, rt.redis);
        warn_if_too_few_replicas(redis, rt.config.replica_wait);
        spdlog::info("sending {} through {}{}; jobs from {}", to_string(channel), sender->name(),
                     provider.provider == "outbox" ? " (" + provider.outbox_path + ")" : "",
                     endpoint);
        worker.run();
        const auto& s = worker.stats();
        spdlog::info(
            "stopped: {} received, {} sent, {} failed, {} retried, {} deferred, {} declined, {} "
            "cancelled, {} unknown, {} throttled, {} capped, {} malformed, {} handed back",
            s.received, s.sent, s.failed, s.retried, s.deferred, s.declined, s.cancelled, s.unknown,
            s.throttled, s.capped, s.bad_messages, s.handed_back);
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace huitou
