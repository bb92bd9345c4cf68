#include "cli/webhook_commands.h"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/webhook_plan.h"
#include "io/webhook_store.h"

namespace huitou {
namespace {

std::string utc(SysSeconds t) {
    static const date::time_zone* zone = find_zone("UTC");
    return format_instant(t, zone);
}

std::string joined(const std::vector<std::string>& items, const char* sep = ",") {
    std::string out;
    for (const auto& s : items)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string stores_text(const WebhookEndpoint& e) {
    return e.all_stores ? "*" : joined(e.stores);
}

std::vector<std::string> configured(const Runtime& rt) {
    std::vector<std::string> out;
    for (const auto& [id, _] : rt.config.stores)
        out.push_back(id);
    return out;
}

nlohmann::json to_json(const WebhookEndpoint& e) {
    return {{"id", e.id},
            {"url", e.url},
            {"stores", e.all_stores ? nlohmann::json("*") : nlohmann::json(e.stores)},
            {"events", e.events},
            {"created_at", utc(e.created_at)}};
}

nlohmann::json to_json(const WebhookAttempt& a) {
    return {{"at", utc(a.at)},        {"store", a.store},   {"endpoint", a.endpoint},
            {"event_id", a.event_id}, {"type", a.type},     {"member_id", a.member},
            {"attempt", a.attempt},   {"status", a.status}, {"result", a.result},
            {"error", a.error}};
}

SysSeconds instant(const std::string& option, const std::string& text) {
    std::string error;
    const auto t = parse_instant(text, &error);
    if (!t) throw ConfigError(option + ": " + error);
    return *t;
}

}  // namespace

void WebhookCommands::add_to(CLI::App& app) {
    auto* webhooks = app.add_subcommand(
        "webhooks", "Webhook endpoints for a store's events (add, list, remove, log, replay)");
    webhooks->require_subcommand(1);

    add_ = webhooks->add_subcommand("add", "Register an endpoint; prints its id and secret once");
    add_->add_option("--url", url_, "https:// URL (http:// only to a loopback or private address)")
        ->required();
    auto* store = add_->add_option("--store", stores_, "A store whose events it gets (repeat)");
    auto* all = add_->add_flag("--all", all_, "Every store, those added later too");
    store->excludes(all);
    add_->add_option("--events", events_,
                     "Comma-separated event types (default: all): message.sent, "
                     "message.delivered, message.failed, message.skipped, consent.changed, "
                     "member.came_back");

    list_ = webhooks->add_subcommand("list", "The endpoints (never their secrets)");
    list_->add_flag("--json", json_, "JSON: {\"endpoints\": [{id, url, stores, events, ...}]}");

    remove_ = webhooks->add_subcommand("remove", "Remove an endpoint and what waits for it");
    remove_->add_option("id", id_, "The endpoint's id (as listed)")->required();

    log_ = webhooks->add_subcommand("log", "Delivery attempts, newest first");
    log_->add_option("--endpoint", id_, "Only this endpoint");
    log_->add_option("--store", stores_, "Only this store (repeat)");
    log_->add_option("--limit", limit_, "At most this many attempts (default 20)")
        ->check(CLI::Range(1, 100000));
    log_->add_flag("--json", json_, "JSON: {\"attempts\": [...]}");

    replay_ = webhooks->add_subcommand("replay", "Deliver kept events again (7 days are kept)");
    replay_->add_option("--endpoint", id_, "The endpoint")->required();
    replay_
        ->add_option("--from", from_,
                     "From this instant (RFC 3339, e.g. 2027-09-15T00:00:00+08:00)")
        ->required();
    replay_->add_option("--to", to_, "Up to this instant (default: now)");
    replay_->add_option("--store", stores_, "Only this store (repeat; default: all it covers)");
}

std::optional<int> WebhookCommands::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (add_ && *add_) return add(rt, out, err);
    if (list_ && *list_) return list(rt, out);
    if (remove_ && *remove_) return remove(rt, out, err);
    if (log_ && *log_) return log(rt, out, err);
    if (replay_ && *replay_) return replay(rt, out, err);
    return std::nullopt;
}

int WebhookCommands::add(const Runtime& rt, std::ostream& out, std::ostream& err) {
    std::string warning;
    if (const auto why = check_webhook_url(url_, &warning); !why.empty())
        throw ConfigError("--" + why);
    if (!all_ && stores_.empty())
        throw ConfigError("--store or --all: say whose events the endpoint gets");
    for (const auto& s : stores_)
        if (!rt.config.find_store(s))
            throw ConfigError("--store " + s + ": not a store in " + rt.config.origin);
    std::string error;
    const auto events = parse_webhook_events(events_, &error);
    if (!events) throw ConfigError("--" + error);
    RedisConnection redis(rt.redis);
    const auto e =
        WebhookStore(redis).add(url_, all_, stores_, *events, configured(rt), rt.clock->now());
    out << e.id << "\n" << e.secret << "\n";
    if (!warning.empty()) err << "huitou: warning: " << warning << "\n";
    err << "huitou: endpoint " << e.id << " -> " << e.url << " (stores " << stores_text(e) << "; "
        << joined(e.events, ", ")
        << "). The secret above signs every call and is shown only this once: store it now.\n";
    return 0;
}

int WebhookCommands::list(const Runtime& rt, std::ostream& out) {
    RedisConnection redis(rt.redis);
    const auto endpoints = WebhookStore(redis).list();
    if (json_) {
        auto all = nlohmann::json::array();
        for (const auto& e : endpoints)
            all.push_back(to_json(e));
        out << nlohmann::json{{"endpoints", all}}.dump(2) << "\n";
        return 0;
    }
    if (endpoints.empty()) {
        out << "no webhook endpoints (huitou webhooks add --url URL --store S)\n";
        return 0;
    }
    for (const auto& e : endpoints)
        out << e.id << "  " << e.url << "  stores " << stores_text(e) << "  " << joined(e.events)
            << "  made " << utc(e.created_at) << "\n";
    return 0;
}

int WebhookCommands::remove(const Runtime& rt, std::ostream& out, std::ostream& err) {
    RedisConnection redis(rt.redis);
    if (!WebhookStore(redis).remove(id_, configured(rt))) {
        err << "huitou: no webhook endpoint \"" << id_ << "\" (huitou webhooks list)\n";
        return 3;
    }
    out << "removed " << id_ << "\n";
    return 0;
}

int WebhookCommands::log(const Runtime& rt, std::ostream& out, std::ostream& err) {
    for (const auto& s : stores_)
        if (!rt.config.find_store(s))
            throw ConfigError("--store " + s + ": not a store in " + rt.config.origin);
    RedisConnection redis(rt.redis);
    WebhookStore store(redis);
    auto endpoints = store.list();
    if (!id_.empty()) {
        std::erase_if(endpoints, [&](const WebhookEndpoint& e) { return e.id != id_; });
        if (endpoints.empty()) {
            err << "huitou: no webhook endpoint \"" << id_ << "\" (huitou webhooks list)\n";
            return 3;
        }
    }
    std::vector<WebhookAttempt> attempts;
    for (const auto& e : endpoints) {
        for (const auto& s : configured(rt)) {
            if (!e.covers(s)) continue;
            if (!stores_.empty() && std::find(stores_.begin(), stores_.end(), s) == stores_.end())
                continue;
            auto some = store.log(s, e.id, limit_);
            std::move(some.begin(), some.end(), std::back_inserter(attempts));
        }
    }
    // Newest first across stores and endpoints; ties keep each log's order.
    std::stable_sort(attempts.begin(), attempts.end(),
                     [](const WebhookAttempt& a, const WebhookAttempt& b) { return a.at > b.at; });
    if (attempts.size() > limit_) attempts.resize(limit_);
    if (json_) {
        auto all = nlohmann::json::array();
        for (const auto& a : attempts)
            all.push_back(to_json(a));
        out << nlohmann::json{{"attempts", all}}.dump(2) << "\n";
        return 0;
    }
    if (attempts.empty()) {
        out << "no delivery attempts\n";
        return 0;
    }
    for (const auto& a : attempts) {
        out << utc(a.at) << "  " << a.endpoint << "  " << a.event_id << "  " << a.type << "  "
            << (a.member.empty() ? "-" : a.member) << "  #" << a.attempt << "  " << a.result
            << "  ";
        if (a.error.empty())
            out << "HTTP " << a.status;
        else
            out << a.error;
        out << "\n";
    }
    return 0;
}

int WebhookCommands::replay(const Runtime& rt, std::ostream& out, std::ostream& err) {
    const SysSeconds from = instant("--from", from_);
    const SysSeconds to = to_.empty() ? rt.clock->now() : instant("--to", to_);
    if (to < from) throw ConfigError("--to: before --from");
    for (const auto& s : stores_)
        if (!rt.config.find_store(s))
            throw ConfigError("--store " + s + ": not a store in " + rt.config.origin);
    RedisConnection redis(rt.redis);
    WebhookStore store(redis);
    const auto endpoint = store.get(id_);
    if (!endpoint) {
        err << "huitou: no webhook endpoint \"" << id_ << "\" (huitou webhooks list)\n";
        return 3;
    }
    std::size_t asked = 0;
    for (const auto& s : configured(rt)) {
        if (!endpoint->covers(s)) continue;
        if (!stores_.empty() && std::find(stores_.begin(), stores_.end(), s) == stores_.end())
            continue;
        asked += store.replay(s, *endpoint, from, to);
    }
    out << "replaying " << asked << " events to " << endpoint->id << "\n";
    return 0;
}

}  // namespace huitou
