// webhook_plan.h — the decisions of webhook delivery: what an event's call
// says, when a failed call is tried again, and which events wait for which.
//
// Events are written by the Lua script that makes the change they report
// (a stream per store, hu:{S}:wh:events: docs/webhooks.md), so an event
// exists exactly when its change does. The dispatcher (io/webhook_dispatcher.h)
// moves them to each endpoint; everything it decides is here, pure, with the
// time as an argument:
//   - the body: {"id","type","store","member_id","at","data"}, instants in
//     the store's zone with their offset (core/civil_time.h);
//   - retries: exponential backoff from 10 s, capped at an hour, with
//     jitter (core/backoff.h, the providers' rule), for 24 hours after the
//     event; every event gets at least one attempt, however late it comes
//     to its turn, and the last retry falls at the 24-hour mark;
//   - order per member: at most one event of a member per endpoint is being
//     delivered ("the head"); later events of the member queue behind it and
//     become the head, due at once, when it is delivered or given up. Events
//     of other members do not wait: a member whose receiver call fails holds
//     back only that member.
// Not here: HTTP, Redis, threads (the I/O shell's).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/clock.h"

namespace huitou {

// The event types an endpoint may ask for, in documentation order.
const std::vector<std::string>& webhook_event_types();

// "message.sent,consent.changed" → the types; "" or "*" → all of them.
// nullopt with `error` ("events: \"x\" is not an event; one of …") for an
// unknown name.
std::optional<std::vector<std::string>> parse_webhook_events(std::string_view text,
                                                             std::string* error);

// Retries go on this long after the event happened.
inline constexpr std::chrono::hours webhook_retry_window{24};

// One event as the stream keeps it (fields t, m, at, d).
struct WebhookEvent {
    std::string stream_id;  // "1764998400000-0": its place in hu:{S}:wh:events
    std::string type;       // "message.sent", ...
    std::string member;     // member id, "" when the event has none (an unknown address)
    SysSeconds at{};        // when the change happened
    std::string data;       // a JSON object, as the script wrote it (string values)
};

// The event's id in every call and in the log: "<store>:<stream id>", the
// same on every retry and replay.
std::string webhook_event_id(std::string_view store, std::string_view stream_id);

// The JSON body of the call. Data fields named "*_at" holding Unix seconds
// become instants in `zone` (like "at"); data that is not a JSON object is
// sent as {"raw": "<text>"} rather than dropped. The event's id is
// webhook_event_id(tag, stream id): `tag` is the hash tag of the stream that
// holds it — the store's, "" — or, for a store over K > 1 shards, its
// shard's (stream ids are only unique within one stream).
std::string webhook_body(std::string_view store, const WebhookEvent& event,
                         const date::time_zone* zone, std::string_view tag = {});

// What to do after attempt number `attempt` (1 = the first) of an event.
struct WebhookNext {
    enum class Outcome { delivered, retry, failed } outcome = Outcome::delivered;
    SysSeconds retry_at{};  // when outcome == retry
};
// `ok`: the receiver answered 2xx. Otherwise a retry after the backoff for
// `attempt` (`unit_random` in [0, 1) picks the jitter), no later than
// event_at + webhook_retry_window — or `failed` when that mark has passed.
WebhookNext after_webhook_attempt(bool ok, int attempt, SysSeconds event_at, SysSeconds now,
                                  double unit_random);

// A member's events waiting for one endpoint, head first, as kept in Redis:
// stream ids separated by spaces.
std::vector<std::string> split_webhook_queue(std::string_view text);
std::string join_webhook_queue(const std::vector<std::string>& ids);

// Where new events go, in stream order. `queues`: the members that already
// have events waiting (member → their queue). An event whose member has
// none (and is not the member of an earlier event in `events`) is a new
// head, due now; every other event is appended to its member's queue. An
// event already in its member's queue (a replay of a pending event) is left
// out. Events without a member are always heads: nothing orders them.
struct WebhookIntake {
    std::vector<std::string> heads;                          // stream ids, due now
    std::map<std::string, std::vector<std::string>> queues;  // member → whole new queue
};
WebhookIntake place_webhook_events(const std::vector<WebhookEvent>& events,
                                   const std::map<std::string, std::string>& queues);

// After a member's head is done (delivered or given up): the queue without
// it, and the next head, if any. A queue whose first id is not `head`
// (changed meanwhile) just loses `head` wherever it is.
struct WebhookPop {
    std::string queue;                // "" when nothing is left
    std::optional<std::string> next;  // the new head
};
WebhookPop pop_webhook_head(std::string_view queue, std::string_view head);

}  // namespace huitou
