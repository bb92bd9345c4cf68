#include "console/health_page.h"

#include <charconv>
#include <future>

#include "core/console_words.h"
#include "core/metrics_text.h"
#include "io/http_client.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "scheduler/message_results.h"

namespace huitou {

namespace {

constexpr int kProblemDays = 7;

// What a worker's admin listener said.
struct WorkerProbe {
    std::string channel;  // "sms" / "wechat"
    std::string listen;   // its admin_listen ("" = not configured)
    bool up = false;
    std::string why;      // when not up: the status or the transport error
    std::string metrics;  // its /metrics text, when up
};

// host:port as a URL to ask: a wildcard address is asked on loopback.
std::string probe_base(const std::string& listen) {
    const auto address = parse_listen_address(listen);
    if (!address) return {};
    std::string host = address->host;
    if (host.empty() || host == "0.0.0.0" || host == "*") host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(address->port);
}

WorkerProbe probe(std::string channel, std::string listen) {
    WorkerProbe p{std::move(channel), std::move(listen), false, {}, {}};
    if (p.listen.empty()) return p;
    const auto base = probe_base(p.listen);
    if (base.empty()) {
        p.why = "地址写法不对";
        return p;
    }
    try {
        HttpClient http;
        OutgoingRequest ready;
        ready.url = base + "/readyz";
        ready.timeout = kProbeTimeout;
        const auto r = http.perform(ready);
        p.up = r.status == 200;
        if (!p.up) {
            p.why = "回答 " + std::to_string(r.status) + "（没有连上调度程序或 Redis）";
            return p;
        }
        OutgoingRequest metrics = ready;
        metrics.url = base + "/metrics";
        const auto m = http.perform(metrics);
        if (m.status == 200) p.metrics = m.body;
    } catch (const HttpError& e) {
        p.why = "连不上";
    }
    return p;
}

std::string local_time_words(SysSeconds t, const date::time_zone* zone) {
    const auto text = format_instant(t, zone);  // 2027-09-15T10:00:00+08:00
    return text.substr(0, 10) + " " + text.substr(11, 5);
}

std::string ago_words(std::chrono::seconds ago) {
    const auto s = ago.count();
    if (s < 0) return "刚刚";
    if (s < 120) return "刚刚";
    if (s < 2 * 3600) return std::to_string(s / 60) + " 分钟前";
    if (s < 2 * 86400) return std::to_string(s / 3600) + " 小时前";
    return std::to_string(s / 86400) + " 天前";
}

std::string via_words(const std::string& via) {
    if (via == "zmq") return "ZeroMQ 推送";
    if (via == "http") return "HTTP（/api/visits）";
    if (via == "api") return "API 事件（/api/v1）";
    return via;
}

const char* state_class(JobState s) {
    switch (s) {
        case JobState::delivered:
        case JobState::sent:
            return "ok";
        case JobState::failed:
        case JobState::unknown:
            return "bad";
        case JobState::expired:
        case JobState::cancelled:
            return "warn";
        default:
            return "";
    }
}

// Today's jobs of a store by state, from the day's results.
nlohmann::json states_today(const MessageResults& r) {
    std::map<JobState, long long> n;
    for (const auto& k : r.kinds) {
        n[JobState::planned] += k.waiting;
        n[JobState::sent] += k.sent - k.delivered;
        n[JobState::delivered] += k.delivered;
        n[JobState::failed] += k.failed;
        n[JobState::cancelled] += k.cancelled;
        n[JobState::expired] += k.expired;
        n[JobState::unknown] += k.unknown;
        n[JobState::held] += k.held;
    }
    auto out = nlohmann::json::array();
    for (const auto& [state, count] : n) {
        if (count == 0) continue;
        out.push_back({{"state", to_string(state)},
                       {"words", state == JobState::planned ? "等待发送" : state_words(state)},
                       {"count", count},
                       {"class", state_class(state)}});
    }
    return out;
}

// A job's error in staff words; a provider's own code huitou has no words
// for is named as what it is.
std::string problem_words(const std::string& error) {
    if (error.empty()) return "没有记录原因";
    const auto words = error_words(error);
    return words == error ? "平台返回的代码 " + error : words;
}

}  // namespace

void HealthPage::add_to(AdminServer& server) {
    server.on_get("/health", [this](const HttpRequest& req) { return show(req); });
}

HttpReply HealthPage::show(const HttpRequest& req) {
    const auto& who = req.identity;
    if (who.kind == Identity::Kind::nobody) return HttpReply::redirect("/login?next=%2Fhealth");
    // Owners only: to a staff account the page does not exist.
    if (who.kind != Identity::Kind::admin && who.role != "owner") return ctx_.not_found(req);

    // The workers first, on their own threads, while Redis is read.
    const auto& config = ctx_.config();
    auto sms = std::async(std::launch::async, probe, "sms", config.sms.admin_listen);
    auto wechat = std::async(std::launch::async, probe, "wechat", config.wechat.admin_listen);

    return ctx_.with_redis(req, "health", [&](RedisConnection& redis) {
        const SysSeconds now = ctx_.clock().now();
        nlohmann::json data;
        auto stores = nlohmann::json::array();
        std::map<std::pair<Channel, std::string>, long long> errors;
        for (const auto& id : ctx_.visible_stores(who)) {
            const auto& store = *config.find_store(id);
            const Date today = local_date(now, store.zone);
            const Date week{date::sys_days{today} - date::days{kProblemDays - 1}};
            const auto day = message_results(redis, store, today, today, today);
            const auto recent = message_results(redis, store, week, today, today);
            for (const auto& [key, n] : recent.errors)
                errors[key] += n;

            nlohmann::json s = {{"id", id},
                                {"path", url_encode(id)},
                                {"name", store.name.empty() ? id : store.name}};
            s["today"] = states_today(day);
            s["today_none"] = s["today"].empty();
            auto problems = nlohmann::json::array();
            for (const auto& p : recent.problems) {
                problems.push_back({{"member_id", p.member_id},
                                    {"member_path", url_encode(p.member_id)},
                                    {"kind", kind_words(p.kind)},
                                    {"channel", channel_words(p.channel)},
                                    {"state", state_words(p.state)},
                                    {"job_id", p.job_id},
                                    {"error", problem_words(p.error)},
                                    {"code", p.error},
                                    {"when", local_time_words(p.due_at, store.zone)}});
            }
            s["problems_none"] = problems.empty();
            s["problems"] = std::move(problems);

            const auto pos = field_map(redis.command({"HGETALL", keys::pos_last(id)}));
            const auto at = pos.find("at");
            long long at_seconds = 0;
            if (at != pos.end() &&
                std::from_chars(at->second.data(), at->second.data() + at->second.size(),
                                at_seconds)
                        .ec == std::errc{}) {
                const SysSeconds arrived{std::chrono::seconds{at_seconds}};
                s["pos"] = {
                    {"at", local_time_words(arrived, store.zone)},
                    {"ago",
                     ago_words(std::chrono::duration_cast<std::chrono::seconds>(now - arrived))},
                    {"via", via_words(pos.count("via") ? pos.at("via") : "")},
                    {"stale", now - arrived > std::chrono::hours{24}}};
            }
            const auto lease = redis.command({"PTTL", keys::lease(id)});
            lease.expect_ok("PTTL lease");
            s["leased"] = lease.integer > 0;
            stores.push_back(std::move(s));
        }
        data["stores"] = std::move(stores);

        auto providers = nlohmann::json::array();
        for (auto* probe_future : {&sms, &wechat}) {
            const auto w = probe_future->get();
            const auto channel = *parse_channel(w.channel);
            const auto& provider = channel == Channel::sms ? config.sms : config.wechat;
            nlohmann::json p = {{"channel", w.channel},
                                {"words", channel_words(channel)},
                                {"provider", provider.provider},
                                {"listen", w.listen},
                                {"configured", !w.listen.empty()},
                                {"up", w.up},
                                {"why", w.why}};
            auto errs = nlohmann::json::array();
            for (const auto& [key, n] : errors) {
                if (key.first != channel) continue;
                errs.push_back(
                    {{"code", key.second}, {"words", problem_words(key.second)}, {"jobs", n}});
            }
            p["errors_none"] = errs.empty();
            p["errors"] = std::move(errs);
            if (!w.metrics.empty()) {
                const std::vector<std::pair<std::string, std::string>> on{{"channel", w.channel}};
                const auto outcome = [&](const char* o) {
                    return static_cast<long long>(
                        metric_total(w.metrics, "huitou_worker_results_total",
                                     {{"channel", w.channel}, {"outcome", o}}));
                };
                p["counts"] = {{"throttled", static_cast<long long>(metric_total(
                                                 w.metrics, "huitou_worker_throttled_total", on))},
                               {"capped", static_cast<long long>(metric_total(
                                              w.metrics, "huitou_worker_capped_total", on))},
                               {"sent", outcome("sent")},
                               {"failed", outcome("failed")},
                               {"retry", outcome("retry")}};
            }
            providers.push_back(std::move(p));
        }
        data["providers"] = providers;

        const auto ping = redis.command({"PING"});
        data["redis_up"] = ping.type == RedisReply::Type::status;
        // The frame's tabs lead back to the caller's first store.
        const auto visible = ctx_.visible_stores(who);
        return ctx_.page(req,
                         {"运行状况", visible.empty() ? "" : visible.front(), ConsoleTab::health},
                         render_view("health", data));
    });
}

}  // namespace huitou
