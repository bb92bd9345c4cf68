#include "scheduler/visit_http.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/visit_cycle.h"
#include "core/visit_wire.h"

namespace huitou {

nlohmann::json visit_answer(const VisitRecorded& r) {
    nlohmann::json reply{{"outcome", to_string(r.outcome)},
                         {"member_known", r.member_known},
                         {"state", to_string(r.state)},
                         {"cycle_days", r.cycle},  // 15, or 17.5
                         {"cancelled_reminders", r.cancelled}};
    if (r.cycle == static_cast<double>(static_cast<long long>(r.cycle)))
        reply["cycle_days"] = static_cast<long long>(r.cycle);
    if (r.state == WinbackState::active || r.state == WinbackState::returned) {
        reply["lapse_date"] = format_date(date_of_day(r.lapse_day));
    }
    return reply;
}

VisitHttpHandler::VisitHttpHandler(const Config& config, RedisEndpoint redis, const Clock& clock)
    : config_(config), endpoint_(std::move(redis)), clock_(clock) {}

std::size_t VisitHttpHandler::rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
}

HttpReply VisitHttpHandler::operator()(std::string_view body) {
    std::lock_guard lock(mutex_);
    auto refuse = [this](const std::string& why) {
        ++rejected_;
        spdlog::warn("refused a visit posted over HTTP: {}", why);
        return HttpReply{400, nlohmann::json{{"error", why}}.dump()};
    };
    const auto decoded = decode_visit_body(body);
    if (!decoded.message) return refuse(decoded.error);
    const auto checked = make_visit(*decoded.message, config_, clock_.now());
    if (!checked.visit) return refuse(checked.error);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        VisitStore store(*redis_, config_);
        const auto r = store.record({*checked.visit}, clock_.now()).front();
        store.note_arrival({*checked.visit}, clock_.now(), "http");
        return {200, visit_answer(r).dump()};
    } catch (const RedisError& e) {
        spdlog::error("visit over HTTP: {}", e.what());
        redis_.reset();  // connect again on the next request
        return {503, nlohmann::json{{"error", "storage unavailable, try again"}}.dump()};
    } catch (const RedisReplyError& e) {
        spdlog::error("visit over HTTP: Redis refused {}: {}", e.request(), e.reply());
        return {500, nlohmann::json{{"error",
                                     "storage refused the request; the scheduler's log says which"}}
                         .dump()};
    }
}

}  // namespace huitou
