#include "workers/wechat_listener.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <variant>

#include <spdlog/spdlog.h>

#include "io/consent_store.h"
#include "io/http_listener.h"
#include "io/job_store.h"
#include "io/parked_events.h"
#include "io/redis_connection.h"
#include "workers/wechat_event.h"
#include "workers/wechat_msgids.h"

namespace huitou {
namespace {

using namespace std::chrono_literals;

// WeChat's timestamps are its clock at the push; more than this apart from
// ours is an old request replayed (or a clock to fix).
constexpr auto max_skew = 5min;
// A nonce is remembered this long: a request accepted at t carries a
// timestamp within t ± 5 min, so its copy can pass the timestamp check only
// until t + 10 min.
constexpr auto nonce_memory = 10min;
// Below WeChat's 5 s: a stalled Redis still leaves time to answer.
constexpr auto redis_timeout = 2s;

bool alnum(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

std::optional<long long> parse_seconds(const std::string& text) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

// An openid in logs: enough to tell two apart, not enough to address one.
std::string mask_openid(const std::string& openid) {
    return openid.size() <= 8 ? std::string("…") : openid.substr(0, 6) + "…";
}

// Outcomes of handling a request, as HTTP statuses.
struct Refusal {
    int status;
    std::string why;
};

}  // namespace

std::vector<std::string> wechat_stores(const Config& config) {
    std::vector<std::string> out;
    for (const auto& [id, store] : config.stores) {
        if (std::find(store.channels.begin(), store.channels.end(), Channel::wechat) !=
            store.channels.end())
            out.push_back(id);
    }
    return out;
}

void check_wechat_token(const std::string& token, const std::string& key) {
    if (token.size() < 3 || token.size() > 32 || !alnum(token))
        throw ConfigError(key +
                          ": the server Token must be 3 to 32 letters and digits, as in "
                          "the account's settings (got " +
                          std::to_string(token.size()) + " characters)");
}

WechatCrypt make_wechat_crypt(const std::string& encoding_aes_key, const std::string& app_id,
                              const std::string& key) {
    if (!alnum(encoding_aes_key))
        throw ConfigError(key + ": the EncodingAESKey is 43 letters and digits");
    try {
        return WechatCrypt(encoding_aes_key, app_id);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(key + ": " + e.what());
    }
}

struct WechatListener::State {
    const Config& config;
    const Clock& clock;
    const std::string token;
    const std::optional<WechatCrypt> crypt;
    const std::string app_id;
    std::mutex mutex;                   // the server's threads share one Redis connection
    std::atomic<bool> listened{false};  // listen_after_bind has returned
    bool stale = false;                 // Redis was lost and not reached again yet (under mutex)
    RedisConnection redis;
    JobStore jobs;
    ConsentStore consent;
    ParkedEvents parked;  // what arrives while a reshard holds a store
    httplib::Server server;

    State(const Config& c, const RedisEndpoint& endpoint, const Clock& k, std::string t,
          std::optional<WechatCrypt> cr)
        : config(c),
          clock(k),
          token(std::move(t)),
          crypt(std::move(cr)),
          app_id(c.wechat.wechat.app_id),
          redis(endpoint, redis_timeout),
          jobs(redis, c.scheduler),
          consent(redis, c),
          parked(redis, c) {}

    // The checks that need no Redis: the signature and the timestamp.
    std::optional<Refusal> check_signature(const httplib::Request& req) const {
        const auto signature = req.get_param_value("signature");
        const auto timestamp = req.get_param_value("timestamp");
        const auto nonce = req.get_param_value("nonce");
        if (signature.empty() || timestamp.empty() || nonce.empty())
            return Refusal{403, "no signature, timestamp or nonce"};
        if (!signature_matches(signature, wechat_signature({token, timestamp, nonce})))
            return Refusal{403, "a wrong signature"};
        const auto at = parse_seconds(timestamp);
        if (!at) return Refusal{403, "timestamp \"" + timestamp + "\" is not Unix seconds"};
        const auto skew = std::chrono::abs(clock.now() - SysSeconds{std::chrono::seconds{*at}});
        if (skew > max_skew)
            return Refusal{403, "timestamp " + timestamp + " is " + std::to_string(skew.count()) +
                                    " s from our clock"};
        return std::nullopt;
    }

    std::string nonce_key(const std::string& nonce) const {
        return "hu:wechat:{" + app_id + "}:nonce:" + nonce;
    }

    // Takes the request's nonce; a refusal if it was seen. Throws RedisError.
    std::optional<Refusal> take_nonce(const httplib::Request& req) {
        if (stale) {
            redis.reconnect();  // the first Redis call of a request after an outage
            stale = false;
        }
        const auto nonce = req.get_param_value("nonce");
        const auto r = redis
                           .command({"SET", nonce_key(nonce), "1", "NX", "EX",
                                     std::to_string(std::chrono::seconds(nonce_memory).count())})
                           .expect_ok("SET nonce");
        if (r.is_nil()) return Refusal{403, "nonce " + nonce + " was seen already (a replay)"};
        return std::nullopt;
    }

    void refuse(const httplib::Request& req, httplib::Response& res, const Refusal& r) const {
        // Not the query: it holds a signature someone may be guessing at.
        spdlog::warn("wechat: refused {} {} from {}: {}", req.method, req.path, req.remote_addr,
                     r.why);
        res.status = r.status;
    }

    void on_url_check(const httplib::Request& req, httplib::Response& res) {
        if (auto r = check_signature(req)) return refuse(req, res, *r);
        std::lock_guard lock(mutex);
        try {
            if (auto r = take_nonce(req)) return refuse(req, res, *r);
        } catch (const RedisError& e) {
            return unavailable(res, e);
        }
        spdlog::info("wechat: the account's URL check passed");
        res.set_content(req.get_param_value("echostr"), "text/plain");
    }

    // The plain event message of a POST, or a refusal.
    std::variant<std::string, Refusal> message_of(const httplib::Request& req) const {
        if (!crypt) return req.body;
        std::string error;
        const auto outer = parse_xml(req.body, &error);
        if (!outer) return Refusal{400, "malformed XML: " + error};
        const auto encrypted = outer->child_text("Encrypt");
        const auto msg_signature = req.get_param_value("msg_signature");
        if (req.get_param_value("encrypt_type") != "aes" || encrypted.empty() ||
            msg_signature.empty())
            return Refusal{403,
                           "safe mode: not encrypted (encrypt_type=aes, msg_signature, "
                           "<Encrypt>)"};
        const auto expected = wechat_signature(
            {token, req.get_param_value("timestamp"), req.get_param_value("nonce"), encrypted});
        if (!signature_matches(msg_signature, expected))
            return Refusal{403, "a wrong msg_signature"};
        auto plain = crypt->decrypt(encrypted, &error);
        if (!plain) return Refusal{403, error};
        return std::move(*plain);
    }

    void on_event(const httplib::Request& req, httplib::Response& res) {
        if (auto r = check_signature(req)) return refuse(req, res, *r);
        auto message = message_of(req);
        if (auto* r = std::get_if<Refusal>(&message)) return refuse(req, res, *r);
        std::string error;
        const auto root = parse_xml(std::get<std::string>(message), &error);
        std::optional<WechatEvent> event;
        if (root) event = wechat_event_from_xml(*root, &error);
        if (!event) return refuse(req, res, {400, "malformed event: " + error});
        std::lock_guard lock(mutex);
        try {
            if (auto r = take_nonce(req)) return refuse(req, res, *r);
            try {
                handle(*event);
            } catch (...) {
                // Not done: let WeChat's retry (same nonce) through.
                forget_nonce(req.get_param_value("nonce"));
                throw;
            }
        } catch (const RedisError& e) {
            return unavailable(res, e);
        } catch (const RedisReplyError& e) {
            spdlog::error("wechat: {} not recorded: Redis refused {}: {}", event->event,
                          e.request(), e.reply());
            res.status = 500;
            return;
        }
        res.set_content("success", "text/plain");
    }

    void forget_nonce(const std::string& nonce) {
        try {
            redis.command({"DEL", nonce_key(nonce)});
        } catch (const std::exception&) {
        }
    }

    void unavailable(httplib::Response& res, const RedisError& e) {
        spdlog::error("wechat: event not recorded, Redis is away: {}", e.what());
        try {
            redis.reconnect();
        } catch (const RedisError&) {
            stale = true;  // the next request tries again first
        }
        res.status = 503;  // WeChat retries a push it got no answer to
    }

    void handle(const WechatEvent& e) {
        switch (e.type) {
            case WechatEvent::Type::template_finish:
                return deliver(e, e.msgid, template_finish_delivery(e.status));
            case WechatEvent::Type::subscribe_msg_sent:
                for (const auto& n : e.sent)
                    deliver(e, n.msgid, subscribe_sent_delivery(n));
                return;
            case WechatEvent::Type::follow:
                return record_everywhere(e, true, "subscribe (followed the account)");
            case WechatEvent::Type::unfollow:
                return record_everywhere(e, false, "unsubscribe (unfollowed the account)");
            case WechatEvent::Type::notice_choice: {
                std::string templates;
                for (const auto& c : e.choices)
                    templates += " " + c.template_id + "=" + c.status;
                const auto choice = notice_choice(e.choices);
                if (choice == NoticeChoice::none) return;
                return record_everywhere(e, choice == NoticeChoice::opt_in, e.event + templates);
            }
            case WechatEvent::Type::other:
                spdlog::info("wechat: {} {} from {}: not an event huitou acts on", e.msg_type,
                             e.event, mask_openid(e.openid));
                return;
        }
    }

    void deliver(const WechatEvent& e, const std::string& msgid, const WechatDelivery& d) {
        const auto ref = find_wechat_msgid(redis, app_id, msgid);
        if (!ref) {
            // Sent before the lookup existed, by another system on the account,
            // or longer ago than its TTL: nothing of ours to move.
            spdlog::info("wechat: {} for msgid {} ({}): no job of ours, ignored", e.event, msgid,
                         d.detail);
            return;
        }
        // WeChat tries a push three times in seconds, shorter than a
        // reshard's copy: a result for a store being resharded is parked.
        const ParkedDelivery result{ref->store, ref->job_id, d.status, clock.now(),
                                    "wechat " + e.event + ": " + d.detail};
        std::optional<JobState> state;
        const bool parked_result = parked.apply_or_park(ref->store, {result}, [&] {
            state = jobs.record_delivery(result.store, result.job_id, result.status, result.at,
                                         result.detail);
        });
        spdlog::info("{} {}: {} {} → {}", ref->store, ref->job_id, e.event, d.detail,
                     parked_result ? "parked (the store is being resharded)"
                     : state       ? to_string(*state)
                                   : "missing");
        // A refusal counts even when the job itself has gone (retention).
        if (!d.consent_lost) return;
        const auto job = jobs.get(ref->store, ref->job_id);
        ConsentEvent c;
        c.at = clock.now();
        c.store = ref->store;
        c.channel = Channel::wechat;
        c.source = ConsentSource::wechat_event;
        c.member = job ? job->member_id : std::string();
        c.address = e.openid;
        c.detail = e.event + ": " + d.detail;
        if (const auto problem = check_consent_event(c)) {
            spdlog::warn("wechat: refusal not recorded: {}", *problem);
            return;
        }
        ConsentOutcome outcome;
        if (parked.apply_or_park(ref->store, {c}, [&] { outcome = consent.record(c); })) {
            spdlog::info("{}: {} refused WeChat ({}); parked: the store is being resharded",
                         ref->store, mask_openid(e.openid), d.detail);
            return;
        }
        spdlog::info("{}: {} refused WeChat ({}); {} jobs of today cancelled", ref->store,
                     mask_openid(e.openid), d.detail, outcome.cancelled);
    }

    void record_everywhere(const WechatEvent& e, bool opt_in, const std::string& detail) {
        const auto stores = wechat_stores(config);
        if (stores.empty()) {
            spdlog::info("wechat: {} from {}: no store sends by WeChat, nothing recorded", e.event,
                         mask_openid(e.openid));
            return;
        }
        long long cancelled = 0;
        for (const auto& store : stores) {
            ConsentEvent c;
            c.at = clock.now();
            c.store = store;
            c.channel = Channel::wechat;
            c.opt_in = opt_in;
            c.source = ConsentSource::wechat_event;
            c.address = e.openid;
            c.detail = detail;
            if (parked.apply_or_park(store, {c}, [&] { cancelled += consent.record(c).cancelled; }))
                spdlog::info("{}: {} from {} parked: the store is being resharded", store, e.event,
                             mask_openid(e.openid));
        }
        spdlog::info("wechat: {} {} WeChat in {} store(s) ({}); {} jobs of today cancelled",
                     mask_openid(e.openid), opt_in ? "opted in to" : "opted out of", stores.size(),
                     detail, cancelled);
    }
};

WechatListener::WechatListener(const Config& config, const RedisEndpoint& redis, const Clock& clock,
                               const std::string& listen, std::string token,
                               std::optional<WechatCrypt> crypt)
    : state_(std::make_unique<State>(config, redis, clock, std::move(token), std::move(crypt))) {
    check_wechat_token(state_->token, "wechat.official.token");
    if (state_->app_id.empty())
        throw ConfigError("wechat.official.app_id: required for the message server");
    auto& server = state_->server;
    server.set_payload_max_length(1 << 20);  // WeChat's events are a few hundred bytes
    server.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            try {
                if (ep) std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                spdlog::error("wechat: {}: {}", req.path, e.what());
            } catch (...) {
                spdlog::error("wechat: {}: an unknown exception", req.path);
            }
            res.status = 500;
        });
    server.Get("/wechat", [this](const httplib::Request& req, httplib::Response& res) {
        state_->on_url_check(req, res);
    });
    server.Post("/wechat", [this](const httplib::Request& req, httplib::Response& res) {
        state_->on_event(req, res);
    });
    port_ = bind_exclusively(server, listen, "wechat.official.listen");
    thread_ = std::thread([this] {
        state_->server.listen_after_bind();
        state_->listened = true;
    });
}

WechatListener::~WechatListener() {
    // As the Kannel listener: stop() only reaches a server already listening.
    while (!state_->listened) {
        state_->server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (thread_.joinable()) thread_.join();
}

}  // namespace huitou
