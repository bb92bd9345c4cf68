#include "core/webhook_plan.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/backoff.h"

namespace huitou {
namespace {

// 10 s, 20 s, 40 s … an hour (each 50-100 % of that, jitter): about 40
// attempts in a day, a dozen of them in the first hour, when a receiver is
// most likely to come back.
const BackoffConfig kBackoff{std::chrono::seconds{10}, std::chrono::seconds{3600}};

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

const std::vector<std::string>& webhook_event_types() {
    static const std::vector<std::string> types{"message.sent",    "message.delivered",
                                                "message.failed",  "message.skipped",
                                                "consent.changed", "member.came_back"};
    return types;
}

std::optional<std::vector<std::string>> parse_webhook_events(std::string_view text,
                                                             std::string* error) {
    const auto& all = webhook_event_types();
    if (text.empty() || text == "*") return all;
    std::set<std::string> wanted;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string name(text.substr(start, comma - start));
        if (std::find(all.begin(), all.end(), name) == all.end()) {
            if (error) {
                *error = "events: \"" + name + "\" is not an event; one of";
                for (const auto& t : all)
                    *error += " " + t;
            }
            return std::nullopt;
        }
        wanted.insert(name);
        start = comma + 1;
    }
    std::vector<std::string> out;  // in documentation order, each once
    for (const auto& t : all)
        if (wanted.contains(t)) out.push_back(t);
    return out;
}

std::string webhook_event_id(std::string_view store, std::string_view stream_id) {
    return std::string(store) + ":" + std::string(stream_id);
}

std::string webhook_body(std::string_view store, const WebhookEvent& event,
                         const date::time_zone* zone, std::string_view tag) {
    nlohmann::json data = nlohmann::json::parse(event.data, nullptr, false);
    if (!data.is_object()) {
        data = nlohmann::json{{"raw", event.data}};
    } else {
        for (auto& [key, value] : data.items()) {
            if (key.ends_with("_at") && value.is_string() && all_digits(value.get<std::string>()))
                value = format_instant(
                    SysSeconds{std::chrono::seconds{std::stoll(value.get<std::string>())}}, zone);
        }
    }
    nlohmann::json body = nlohmann::json::object();
    body["id"] = webhook_event_id(tag.empty() ? store : tag, event.stream_id);
    body["type"] = event.type;
    body["store"] = std::string(store);
    body["member_id"] = event.member.empty() ? nlohmann::json() : nlohmann::json(event.member);
    body["at"] = format_instant(event.at, zone);
    body["data"] = std::move(data);
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

WebhookNext after_webhook_attempt(bool ok, int attempt, SysSeconds event_at, SysSeconds now,
                                  double unit_random) {
    if (ok) return {WebhookNext::Outcome::delivered, {}};
    const SysSeconds last = event_at + webhook_retry_window;
    if (now >= last) return {WebhookNext::Outcome::failed, {}};
    const SysSeconds next = now + retry_backoff(attempt, kBackoff, unit_random);
    return {WebhookNext::Outcome::retry, std::min(next, last)};
}

std::vector<std::string> split_webhook_queue(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t space = std::min(text.find(' ', i), text.size());
        if (space > i) out.emplace_back(text.substr(i, space - i));
        i = space + 1;
    }
    return out;
}

std::string join_webhook_queue(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids)
        out += (out.empty() ? "" : " ") + id;
    return out;
}

WebhookIntake place_webhook_events(const std::vector<WebhookEvent>& events,
                                   const std::map<std::string, std::string>& queues) {
    WebhookIntake out;
    for (const auto& e : events) {
        if (e.member.empty()) {
            out.heads.push_back(e.stream_id);
            continue;
        }
        auto it = out.queues.find(e.member);
        if (it == out.queues.end()) {
            const auto known = queues.find(e.member);
            if (known == queues.end() || known->second.empty()) {
                out.heads.push_back(e.stream_id);
                out.queues[e.member] = {e.stream_id};
                continue;
            }
            it = out.queues.emplace(e.member, split_webhook_queue(known->second)).first;
        }
        auto& queue = it->second;
        if (std::find(queue.begin(), queue.end(), e.stream_id) == queue.end())
            queue.push_back(e.stream_id);
    }
    return out;
}

WebhookPop pop_webhook_head(std::string_view queue, std::string_view head) {
    auto ids = split_webhook_queue(queue);
    const bool was_first = !ids.empty() && ids.front() == head;
    std::erase(ids, std::string(head));
    WebhookPop out;
    out.queue = join_webhook_queue(ids);
    if (was_first && !ids.empty()) out.next = ids.front();
    return out;
}

}  // namespace huitou
