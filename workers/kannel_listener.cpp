#include "workers/kannel_listener.h"

#include <mutex>

#include <spdlog/spdlog.h>

#include "core/opt_out_reply.h"
#include "core/phone_number.h"
#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/redis_connection.h"
#include "workers/callback_server.h"
#include "workers/kannel_sender.h"

namespace huitou {
namespace {

// "+8610690001", "008610690001" and "8610690001" are one number to a gateway.
std::string digits_only(const std::string& number) {
    std::string out;
    for (char c : number)
        if (c >= '0' && c <= '9') out.push_back(c);
    if (out.starts_with("00")) out.erase(0, 2);
    return out;
}

std::string dlr_status(const std::string& type) {
    if (type == "1") return "delivered";
    if (type == "2") return "undelivered";
    if (type == "4") return "buffered";
    if (type == "8") return "accepted";
    if (type == "16") return "rejected";
    return {};
}

}  // namespace

Attribution attribute_receiver(const Config& config, const std::string& receiver) {
    Attribution a;
    const std::string wanted = digits_only(receiver);
    for (const auto& [id, store] : config.stores) {
        if (!wanted.empty() && !store.sms_from.empty() && digits_only(store.sms_from) == wanted)
            a.stores.push_back(id);
    }
    a.attributed = !a.stores.empty();
    if (!a.attributed) {
        for (const auto& [id, store] : config.stores)
            a.stores.push_back(id);
    }
    return a;
}

struct KannelListener::State {
    const Config& config;
    const Clock& clock;
    const std::string secret;
    std::mutex mutex;  // the server's threads share one Redis connection
    RedisConnection redis;
    JobStore jobs;
    ConsentStore consent;
    CallbackServer http;  // last: stopped first, before what its handlers use

    State(const Config& c, const RedisEndpoint& endpoint, const Clock& k, std::string s)
        : config(c),
          clock(k),
          secret(s),
          redis(endpoint),
          jobs(redis, c.scheduler),
          consent(redis, c),
          http("kannel", std::move(s)) {}

    bool authentic(const httplib::Request& req, httplib::Response& res) const {
        return http.authentic(req, res);
    }

    void on_dlr(const httplib::Request& req, httplib::Response& res) {
        if (!authentic(req, res)) return;
        const auto store = req.get_param_value("store");
        const auto job = parse_callback_job_id(req.get_param_value("job"));
        const auto status = dlr_status(req.get_param_value("type"));
        if (!config.find_store(store) || !job || job->empty() || status.empty()) {
            spdlog::warn(
                "kannel: a delivery report that names no job of ours: store \"{}\", job "
                "\"{}\", type \"{}\"",
                store, req.get_param_value("job"), req.get_param_value("type"));
            res.status = 400;
            return;
        }
        std::lock_guard lock(mutex);
        try {
            const auto state = jobs.record_delivery(store, *job, status, clock.now(),
                                                    req.get_param_value("reply"));
            spdlog::info("{} {}: delivery report {} → {}", store, *job, status,
                         state ? to_string(*state) : "missing");
            res.status = 200;
        } catch (const RedisError& e) {
            // Kannel retries a callback that fails (dlr-url is fetched again).
            spdlog::error("kannel: delivery report not recorded: {}", e.what());
            redis_reconnect();
            res.status = 503;
        } catch (const RedisReplyError& e) {
            spdlog::error("{} {}: delivery report not recorded: Redis refused {}: {}", store, *job,
                          e.request(), e.reply());
            res.status = 500;
        }
    }

    void on_mo(const httplib::Request& req, httplib::Response& res) {
        if (!authentic(req, res)) return;
        const auto from = req.get_param_value("from");
        const auto to = req.get_param_value("to");
        const auto text = req.get_param_value("text");
        res.status = 200;
        if (!is_opt_out_reply(text)) {
            // Not ours to judge: a person reads the rest. Log without the number.
            spdlog::info("kannel: a reply from {} that is not an opt-out", mask_phone(from));
            return;
        }
        std::string error;
        const auto phone = normalize_mobile(from, &error);
        const std::string address = phone ? *phone : from;
        if (!phone)
            spdlog::warn("kannel: opt-out from a number that is not a mobile ({}); kept as sent",
                         mask_phone(from));  // the error quotes the whole number
        const auto who = attribute_receiver(config, to);
        if (!who.attributed) {
            spdlog::warn(
                "kannel: opt-out sent to {}, which no store's sms_from names: recorded for all "
                "{} stores",
                to, who.stores.size());
        }
        const std::string detail = "reply \"" + text + "\" to " + to +
                                   (who.attributed ? "" : " (receiver not mapped to a store)");
        // The events come from the request: checked here, refused with a 400
        // (nothing recorded), never handed to the store to assert on.
        std::vector<ConsentEvent> events;
        for (const auto& store : who.stores) {
            ConsentEvent e;
            e.at = clock.now();
            e.store = store;
            e.channel = Channel::sms;
            e.source = ConsentSource::sms_reply;
            e.address = address;
            e.detail = detail;
            if (const auto problem = check_consent_event(e)) {
                spdlog::warn("kannel: refused an opt-out reply: {}", *problem);
                res.status = 400;
                return;
            }
            events.push_back(std::move(e));
        }
        std::lock_guard lock(mutex);
        try {
            long long cancelled = 0;
            for (const auto& e : events)
                cancelled += consent.record(e).cancelled;
            spdlog::info("kannel: {} opted out of SMS ({} store(s)); {} jobs of today cancelled",
                         mask_phone(address), who.stores.size(), cancelled);
        } catch (const RedisError& e) {
            spdlog::error("kannel: opt-out not recorded: {}", e.what());
            redis_reconnect();
            res.status = 503;  // Kannel retries a failed get-url
        } catch (const RedisReplyError& e) {
            spdlog::error("kannel: opt-out from {} not recorded: Redis refused {}: {}",
                          mask_phone(address), e.request(), e.reply());
            res.status = 500;
        }
    }

    void redis_reconnect() {
        try {
            redis.reconnect();
        } catch (const RedisError&) {
        }
    }
};

KannelListener::KannelListener(const Config& config, const RedisEndpoint& redis, const Clock& clock,
                               const std::string& listen, std::string secret)
    : state_(std::make_unique<State>(config, redis, clock, std::move(secret))) {
    if (state_->secret.empty())
        throw ConfigError("sms.kannel.callback_secret: required for the Kannel listener");
    auto& server = state_->http.server();
    server.Get("/kannel/dlr", [this](const httplib::Request& req, httplib::Response& res) {
        state_->on_dlr(req, res);
    });
    server.Get("/kannel/mo", [this](const httplib::Request& req, httplib::Response& res) {
        state_->on_mo(req, res);
    });
    port_ = state_->http.start(listen, "sms.kannel.listen");
}

KannelListener::~KannelListener() = default;

}  // namespace huitou
