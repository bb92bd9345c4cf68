#include "scheduler/consent_http.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/consent.h"
#include "core/phone_number.h"
#include "io/consent_store.h"
#include "io/member_store.h"

namespace huitou {
namespace {

HttpReply error(int status, const std::string& why) {
    return {status, nlohmann::json{{"error", why}}.dump()};
}

}  // namespace

ConsentHttpHandler::ConsentHttpHandler(const Config& config, RedisEndpoint redis,
                                       const Clock& clock, bool opt_in_allowed)
    : config_(config),
      endpoint_(std::move(redis)),
      clock_(clock),
      opt_in_allowed_(opt_in_allowed) {}

HttpReply ConsentHttpHandler::operator()(std::string_view body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object()) return error(400, "the body is not a JSON object");
    auto text = [&json](const char* key) {
        const auto it = json.find(key);
        return it != json.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    ConsentEvent e;
    e.store = text("store");
    if (!config_.find_store(e.store)) return error(400, "store: not a configured store");
    const auto channel = parse_channel(text("channel"));
    if (!channel) return error(400, "channel: sms or wechat");
    e.channel = *channel;
    const auto event = text("event");
    if (event != "opt_in" && event != "opt_out") return error(400, "event: opt_in or opt_out");
    e.opt_in = event == "opt_in";
    if (e.opt_in && !opt_in_allowed_) {
        spdlog::warn("{}: refused a consent opt-in over HTTP: the admin server has no token",
                     e.store);
        return error(403,
                     "event: an opt-in over HTTP needs the admin token (admin.token_file, "
                     "admin.token_env or HUITOU_ADMIN_TOKEN); record it at the counter with "
                     "`huitou consent` meanwhile");
    }
    const auto source = parse_consent_source(text("source"));
    if (!source || (*source != ConsentSource::wechat_event && *source != ConsentSource::api &&
                    *source != ConsentSource::counter)) {
        return error(400, "source: wechat_event, api or counter");
    }
    e.source = *source;
    e.member = text("member_id");
    if (!e.member.empty() && !is_valid_member_id(e.member)) return error(400, "member_id: invalid");
    e.address = text("address");
    if (!e.address.empty() && e.channel == Channel::sms) {
        std::string why;
        const auto phone = normalize_mobile(e.address, &why);
        if (!phone) return error(400, "address: " + why);
        e.address = *phone;
    }
    e.detail = text("detail");
    if (e.detail.size() > 500) return error(400, "detail: at most 500 bytes");
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        if (!e.member.empty() && e.address.empty()) {
            const auto m = MemberStore(*redis_).get(e.store, e.member);
            if (!m) return error(404, "no member " + e.member + " in store " + e.store);
            e.address = address_of(*m, e.channel);
        }
        e.at = clock_.now();
        if (const auto problem = check_consent_event(e)) return error(400, *problem);
        const auto outcome = ConsentStore(*redis_, config_).record(e);
        spdlog::info("{}: {} {} by {} over HTTP; {} jobs of today cancelled", e.store,
                     to_string(e.channel), event, to_string(e.source), outcome.cancelled);
        nlohmann::json answer{{"recorded", true},
                              {"newly_refused", outcome.newly_opted_out},
                              {"cancelled_jobs", outcome.cancelled}};
        if (!outcome.welcome_job.empty()) answer["welcome_job"] = outcome.welcome_job;
        return {200, answer.dump()};
    } catch (const RedisError& ex) {
        spdlog::error("consent over HTTP: {}", ex.what());
        redis_.reset();
        return error(503, "storage unavailable, try again");
    } catch (const RedisReplyError& ex) {
        spdlog::error("{}: consent over HTTP: Redis refused {}: {}", e.store, ex.request(),
                      ex.reply());
        return error(500, "storage refused the request; the scheduler's log says which");
    }
}

}  // namespace huitou
