// webhook_store.h — webhook endpoints in Redis, their delivery log, and
// replays: what `huitou webhooks …` reads and writes.
//
// Endpoints belong to no store (one may cover all), so, like API keys, they
// live under one hash tag of their own:
//   hu:{webhooks}:e:<id>   hash  url, secret, stores ("*" or "toyland,ktv"),
//                                events ("message.sent,consent.changed"),
//                                created_at (Unix s)
//   hu:{webhooks}:ids      set   every endpoint's id
// Beside each covered store's data, hu:{S}:wh:on says "write events": the
// Lua scripts that make a change append its event to hu:{S}:wh:events only
// while it exists (scripts/webhook_event.lua). Registration sets it for the
// stores named (or every configured store); removal deletes it where no
// endpoint is left; the dispatcher sets it again for the stores it serves,
// so a store configured later, or a flag lost, is caught up within seconds.
// The flag is a separate write from the endpoint (another slot): events
// of a change made in between are not written, which only matters in the
// moment of registration.
//
// The per-store delivery state of an endpoint (cursor, due heads, member
// queues, attempts, replays, log: io/redis_keys.h) is the dispatcher's;
// remove() deletes it with the endpoint, and replay() only asks for events
// again through hu:{S}:wh:replay:<E>, which the dispatcher takes in — so the
// CLI and the dispatcher never write the same structure.
//
// Not thread-safe (one RedisConnection). Every method throws RedisError when
// Redis is away and RedisReplyError when it answers with an error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/webhook_endpoint.h"
#include "io/redis_connection.h"

namespace huitou {

// One delivery attempt, as the log keeps it.
struct WebhookAttempt {
    std::string store;
    std::string endpoint;
    SysSeconds at{};       // when the attempt ended
    std::string event_id;  // "<store>:<stream id>"
    std::string type;
    std::string member;
    int attempt = 0;     // 1 = the first call of the event
    long status = 0;     // the HTTP status, 0 when there was no answer
    std::string result;  // delivered | retry | failed
    std::string error;   // the transport error, or "" when the receiver answered
};

class WebhookStore {
  public:
    explicit WebhookStore(RedisConnection& redis) : redis_(redis) {}

    // Registers an endpoint with a new random id and secret; `stores` the
    // ones it covers (ignored when all_stores), `flag_stores` the stores whose
    // flag to set (the configured ones it covers). Preconditions (asserted):
    // check_webhook_url passed, events non-empty. Throws as above and
    // std::runtime_error without randomness.
    WebhookEndpoint add(const std::string& url, bool all_stores,
                        const std::vector<std::string>& stores,
                        const std::vector<std::string>& events,
                        const std::vector<std::string>& flag_stores, SysSeconds now);

    // Every endpoint, oldest first (with its secret: callers decide what to show).
    std::vector<WebhookEndpoint> list();
    std::optional<WebhookEndpoint> get(const std::string& id);

    // Removes the endpoint and its state in `configured_stores`, and the flag
    // of each of them no other endpoint covers. False when there is no such
    // endpoint.
    bool remove(const std::string& id, const std::vector<std::string>& configured_stores);

    // Sets or deletes each store's flag by whether an endpoint covers it.
    void sync_flags(const std::vector<std::string>& stores,
                    const std::vector<WebhookEndpoint>& endpoints);

    // The latest `limit` attempts of `endpoint` in `store`, newest first.
    std::vector<WebhookAttempt> log(const std::string& store, const std::string& endpoint,
                                    std::size_t limit);

    // Asks the dispatcher to deliver again the events of `store` in
    // [from, to] (the stream keeps 7 days) of the types the endpoint wants;
    // returns how many were asked for.
    std::size_t replay(const std::string& store, const WebhookEndpoint& endpoint, SysSeconds from,
                       SysSeconds to);

  private:
    RedisConnection& redis_;
};

// How long hu:{S}:wh:events keeps an event (the dispatcher trims older ones),
// and how many attempts the log of one endpoint in one store keeps.
inline constexpr std::chrono::hours webhook_event_keep{7 * 24};
inline constexpr std::size_t webhook_log_keep = 10000;

}  // namespace huitou
