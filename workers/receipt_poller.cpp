#include "workers/receipt_poller.h"

#include <spdlog/spdlog.h>

#include "core/receipt_poll.h"
#include "io/redis_connection.h"
#include "workers/aliyun_sender.h"
#include "workers/receipt_recorder.h"
#include "workers/tencent_sender.h"

namespace huitou {

struct ReceiptPoller::Impl {
    const Config& config;
    const ProviderConfig& provider;
    const Clock& clock;
    RedisConnection redis;
    ReceiptRecorder recorder;
    std::unique_ptr<AliyunSender> aliyun;
    std::unique_ptr<TencentSender> tencent;
    std::vector<SmsReceipt> pulled;  // Tencent: handed out, not recorded yet
    std::chrono::steady_clock::time_point last_call{};

    Impl(const Config& c, const ProviderConfig& p, const RedisEndpoint& endpoint, const Clock& k,
         std::string secret, Counter counter)
        : config(c), provider(p), clock(k), redis(endpoint), recorder(c, p, redis, counter) {
        if (p.provider == "aliyun")
            aliyun = std::make_unique<AliyunSender>(c, p, std::move(secret));
        else
            tencent = std::make_unique<TencentSender>(c, p, std::move(secret));
    }
};

ReceiptPoller::ReceiptPoller(const Config& config, const ProviderConfig& provider,
                             const RedisEndpoint& redis, const Clock& clock, std::string secret,
                             Counter counter) {
    if (provider.provider != "aliyun" && provider.provider != "tencent")
        throw ConfigError("sms.provider: receipts are polled from aliyun or tencent, not \"" +
                          provider.provider + "\"");
    impl_ = std::make_unique<Impl>(config, provider, redis, clock, std::move(secret), counter);
}

ReceiptPoller::~ReceiptPoller() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void ReceiptPoller::pace() {
    const auto gap = query_gap(impl_->provider.receipts.poll_per_second);
    const auto at = impl_->last_call + gap;
    while (!stop_ && std::chrono::steady_clock::now() < at)
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            at - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    impl_->last_call = std::chrono::steady_clock::now();
}

SysSeconds ReceiptPoller::round() {
    const SysSeconds now = impl_->clock.now();
    return impl_->aliyun ? aliyun_round(now) : tencent_round(now);
}

SysSeconds ReceiptPoller::aliyun_round(SysSeconds now) {
    auto& index = impl_->recorder.index();
    const auto interval = impl_->provider.receipts.poll_interval;
    std::size_t budget = static_cast<std::size_t>(impl_->provider.receipts.poll_batch);
    for (const auto& [store, unused] : impl_->config.stores) {
        (void)unused;
        for (const auto& job_id : index.due(store, now, budget)) {
            if (stop_ || budget == 0) return now + interval;
            const auto facts = index.facts(store, job_id);
            const auto step =
                facts ? receipt_step(facts->state, facts->dlr_status) : ReceiptStep::drop;
            if (step == ReceiptStep::drop || (step == ReceiptStep::ask && !facts->sent_at)) {
                index.drop(store, job_id);
                continue;
            }
            if (step == ReceiptStep::wait) {  // its result is not recorded yet
                index.reschedule(store, job_id, now + interval);
                continue;
            }
            const auto next = next_receipt_query(*facts->sent_at, now);
            if (!next) {
                index.drop(store, job_id);
                impl_->recorder.count("poll", "gave_up");
                spdlog::info("{} {}: no receipt from aliyun in {} hours; it stays {}", store,
                             job_id, receipt_wait.count(), facts->state);
                continue;
            }
            --budget;
            pace();
            const std::string ref = receipt_ref(store, job_id);
            const auto biz = facts->provider_ref != job_id ? facts->provider_ref : std::string();
            const auto found =
                impl_->aliyun->look_up(facts->to, *facts->sent_at, biz, {ref, job_id}, now);
            if (found.status == AliyunSender::Lookup::Status::failed) {
                // The provider is unwell or refuses us: ask again next round.
                spdlog::warn("{} {}: receipt query failed: {}", store, job_id, found.error);
                index.reschedule(store, job_id, *next);
                return now + interval;
            }
            const auto status = found.status == AliyunSender::Lookup::Status::found
                                    ? aliyun_send_status(found.send_status)
                                    : std::nullopt;
            if (!status || *status == QueriedStatus::waiting) {
                index.reschedule(store, job_id, *next);
                continue;
            }
            SmsReceipt r;
            r.ref = ref;
            r.provider_ref = found.biz_id;
            r.phone = facts->to;
            r.delivered = *status == QueriedStatus::delivered;
            r.detail = found.err_code;
            impl_->recorder.record({store, job_id}, r, now, "poll");
            index.drop(store, job_id);
        }
    }
    return now + interval;
}

void ReceiptPoller::record_pulled(SysSeconds now) {
    auto& pulled = impl_->pulled;
    while (!pulled.empty()) {
        const auto& r = pulled.back();
        if (const auto job = impl_->recorder.job_of(r, false))
            impl_->recorder.record(*job, r, now, "poll");
        else
            impl_->recorder.unknown(r, "poll");
        pulled.pop_back();  // recorded: a Redis failure above leaves it for next round
    }
}

SysSeconds ReceiptPoller::tencent_round(SysSeconds now) {
    constexpr int limit = 100;  // the most Tencent hands out a call
    const auto interval = impl_->provider.receipts.poll_interval;
    record_pulled(now);
    // A few pages a round at most, so a flood cannot hold the thread.
    for (int page = 0; page < 10 && !stop_; ++page) {
        pace();
        auto pull = impl_->tencent->pull_reports(limit);
        if (!pull.error.empty()) {
            spdlog::warn("tencent: receipt pull failed: {}", pull.error);
            return now + interval;
        }
        impl_->pulled = std::move(pull.receipts);
        record_pulled(now);
        const auto next = next_pull(pull.got, limit, now, interval);
        if (next > now) return next;
    }
    return now;
}

void ReceiptPoller::start() {
    thread_ = std::thread([this] {
        const auto& clock = impl_->clock;
        while (!stop_) {
            SysSeconds next = clock.now() + impl_->provider.receipts.poll_interval;
            try {
                next = round();
            } catch (const RedisError& e) {
                spdlog::error("{} receipts: Redis: {}", impl_->provider.provider, e.what());
                try {
                    impl_->redis.reconnect();
                } catch (const RedisError&) {
                }
            } catch (const RedisReplyError& e) {
                spdlog::error("{} receipts: Redis refused {}: {}", impl_->provider.provider,
                              e.request(), e.reply());
            } catch (const std::exception& e) {
                spdlog::error("{} receipts: {}", impl_->provider.provider, e.what());
            }
            // Until the next round, in short slices so a stop is quick.
            while (!stop_ && clock.now() < next) {
                const auto wait = clock.real_wait(
                    std::chrono::duration_cast<std::chrono::seconds>(next - clock.now()));
                std::this_thread::sleep_for(
                    std::min<std::chrono::milliseconds>(wait, std::chrono::milliseconds(50)));
            }
        }
    });
}

}  // namespace huitou
