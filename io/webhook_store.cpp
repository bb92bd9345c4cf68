#include "io/webhook_store.h"
#include "core/separated_list.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <tuple>

#include "core/webhook_plan.h"
#include "io/random_bytes.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

std::string text_of(const FieldMap& f, const char* name) {
    const auto it = f.find(name);
    return it == f.end() ? std::string() : it->second;
}

long long number(const std::string& text) {
    try {
        return text.empty() ? 0 : std::stoll(text);
    } catch (const std::exception&) {
        return 0;
    }
}

std::optional<WebhookEndpoint> endpoint_of(const std::string& id, const FieldMap& f) {
    if (f.empty()) return std::nullopt;
    WebhookEndpoint e;
    e.id = id;
    e.url = text_of(f, "url");
    e.secret = text_of(f, "secret");
    const auto stores = text_of(f, "stores");
    e.all_stores = stores == "*";
    if (!e.all_stores) e.stores = split_list(stores, ',');
    e.events = split_list(text_of(f, "events"), ',');
    e.created_at = SysSeconds{std::chrono::seconds{number(text_of(f, "created_at"))}};
    return e;
}

// The endpoint's state in one shard of a store, all of it.
std::vector<std::string> state_keys(const Shard& shard, const std::string& endpoint) {
    std::vector<std::string> out;
    for (const char* name : {"cur", "due", "q", "try", "replay", "log"})
        out.push_back(keys::webhook_state(shard, name, endpoint));
    return out;
}

}  // namespace

WebhookEndpoint WebhookStore::add(const std::string& url, bool all_stores,
                                  const std::vector<std::string>& stores,
                                  const std::vector<std::string>& events,
                                  const std::vector<std::string>& flag_stores, SysSeconds now) {
    assert(check_webhook_url(url, nullptr).empty());
    assert(!events.empty());
    WebhookEndpoint e;
    e.url = url;
    e.secret = format_webhook_secret(random_bytes(webhook_secret_bytes, "a webhook secret"));
    e.all_stores = all_stores;
    if (!all_stores) e.stores = stores;
    e.events = events;
    e.created_at = now;
    for (;;) {
        e.id = format_webhook_id(random_bytes(webhook_id_bytes, "a webhook id"));
        // HSETNX on the url: an id drawn twice (one time in 2^40) is drawn again.
        const auto key = keys::webhook_endpoint(e.id);
        const auto taken = redis_.command({"HSETNX", key, "url", url});
        taken.expect_ok("add webhook");
        if (taken.integer != 1) continue;
        const auto written = redis_.pipeline(
            {{"HSET", key, "secret", e.secret, "stores",
              all_stores ? std::string("*") : join_list(stores, ','), "events",
              join_list(events, ','), "created_at", std::to_string(now.time_since_epoch().count())},
             {"SADD", keys::webhook_endpoint_ids(), e.id}});
        for (const auto& r : written)
            r.expect_ok("add webhook");
        break;
    }
    // The cursor first, at the stream's last entry, then the flag: every
    // event written after the flag is after the cursor, and nothing of the
    // past (other endpoints' events) is sent to the new one.
    // (A store over K shards: each shard's stream, cursor and flag.)
    std::vector<RedisCommand> flags;
    for (const auto& s : flag_stores) {
        if (!e.covers(s)) continue;
        for (const auto& shard : shards_of(redis_, s)) {
            const auto last =
                redis_.command({"XREVRANGE", keys::webhook_events(shard), "+", "-", "COUNT", "1"});
            last.expect_ok("XREVRANGE webhook events");
            redis_
                .command(
                    {"SET", keys::webhook_state(shard, "cur", e.id),
                     last.elements.empty() ? std::string("0-0") : last.elements[0].elements[0].str})
                .expect_ok("SET webhook cursor");
            flags.push_back({"SET", keys::webhooks_on(shard), "1"});
        }
    }
    if (!flags.empty())
        for (const auto& r : redis_.pipeline(flags))
            r.expect_ok("SET webhook flag");
    return e;
}

std::optional<WebhookEndpoint> WebhookStore::get(const std::string& id) {
    const auto reply = redis_.command({"HGETALL", keys::webhook_endpoint(id)});
    reply.expect_ok("HGETALL webhook");
    return endpoint_of(id, field_map(reply));
}

std::vector<WebhookEndpoint> WebhookStore::list() {
    const auto ids = redis_.command({"SMEMBERS", keys::webhook_endpoint_ids()});
    ids.expect_ok("SMEMBERS webhooks");
    if (ids.elements.empty()) return {};
    std::vector<RedisCommand> reads;
    for (const auto& id : ids.elements)
        reads.push_back({"HGETALL", keys::webhook_endpoint(id.str)});
    const auto replies = redis_.pipeline(reads);
    std::vector<WebhookEndpoint> out;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        replies[i].expect_ok("HGETALL webhook");
        if (auto e = endpoint_of(ids.elements[i].str, field_map(replies[i]))) out.push_back(*e);
    }
    std::sort(out.begin(), out.end(), [](const WebhookEndpoint& a, const WebhookEndpoint& b) {
        return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    return out;
}

bool WebhookStore::remove(const std::string& id,
                          const std::vector<std::string>& configured_stores) {
    const auto removed = redis_.pipeline({{"MULTI"},
                                          {"DEL", keys::webhook_endpoint(id)},
                                          {"SREM", keys::webhook_endpoint_ids(), id},
                                          {"EXEC"}});
    for (const auto& r : removed)
        r.expect_ok("remove webhook");
    if (removed.back().elements.empty() || removed.back().elements[0].integer != 1) return false;
    std::vector<RedisCommand> deletes;
    for (const auto& s : configured_stores) {
        for (const auto& shard : shards_of(redis_, s)) {  // a DEL a shard: one slot each
            RedisCommand del{"DEL"};
            for (auto& k : state_keys(shard, id))
                del.push_back(std::move(k));
            deletes.push_back(std::move(del));
        }
    }
    if (!deletes.empty())
        for (const auto& r : redis_.pipeline(deletes))
            r.expect_ok("DEL webhook state");
    sync_flags(configured_stores, list());
    return true;
}

void WebhookStore::sync_flags(const std::vector<std::string>& stores,
                              const std::vector<WebhookEndpoint>& endpoints) {
    std::vector<RedisCommand> writes;
    for (const auto& s : stores) {
        const bool covered = std::any_of(endpoints.begin(), endpoints.end(),
                                         [&](const WebhookEndpoint& e) { return e.covers(s); });
        for (const auto& shard : shards_of(redis_, s)) {
            if (covered)
                writes.push_back({"SET", keys::webhooks_on(shard), "1"});
            else
                writes.push_back({"DEL", keys::webhooks_on(shard)});
        }
    }
    if (writes.empty()) return;
    for (const auto& r : redis_.pipeline(writes))
        r.expect_ok("webhook flag");
}

std::vector<WebhookAttempt> WebhookStore::log(const std::string& store, const std::string& endpoint,
                                              std::size_t limit) {
    // Each shard's log, newest first, merged (a store over K shards has K).
    std::vector<RedisCommand> reads;
    for (const auto& shard : shards_of(redis_, store))
        reads.push_back({"XREVRANGE", keys::webhook_state(shard, "log", endpoint), "+", "-",
                         "COUNT", std::to_string(limit)});
    std::vector<RedisReply> entries;
    for (auto& reply : redis_.pipeline(reads))
        for (auto& entry : reply.expect_ok("XREVRANGE webhook log").elements)
            entries.push_back(std::move(entry));
    if (reads.size() > 1) {
        // Stream ids "<ms>-<n>": newest first across the shards' logs.
        const auto ms = [](const RedisReply& e) {
            return e.elements.empty() ? 0 : std::atoll(e.elements[0].str.c_str());
        };
        std::stable_sort(entries.begin(), entries.end(),
                         [&](const RedisReply& a, const RedisReply& b) { return ms(a) > ms(b); });
        if (entries.size() > limit) entries.resize(limit);
    }
    std::vector<WebhookAttempt> out;
    for (const auto& entry : entries) {
        if (entry.elements.size() < 2) continue;
        const FieldMap f = field_map(entry.elements[1]);
        WebhookAttempt a;
        a.store = store;
        a.endpoint = endpoint;
        a.at = SysSeconds{std::chrono::seconds{number(text_of(f, "at"))}};
        a.event_id = text_of(f, "ev");
        a.type = text_of(f, "t");
        a.member = text_of(f, "m");
        a.attempt = static_cast<int>(number(text_of(f, "n")));
        a.status = static_cast<long>(number(text_of(f, "st")));
        a.result = text_of(f, "r");
        a.error = text_of(f, "err");
        out.push_back(std::move(a));
    }
    return out;
}

std::size_t WebhookStore::replay(const std::string& store, const WebhookEndpoint& endpoint,
                                 SysSeconds from, SysSeconds to) {
    const auto ms = [](SysSeconds t) {
        return std::to_string(t.time_since_epoch().count() * 1000);
    };
    const std::string end = std::to_string(to.time_since_epoch().count() * 1000 + 999);
    std::size_t asked = 0;
    // Each shard's own events, into its own replay list.
    for (const auto& shard : shards_of(redis_, store)) {
        std::string start = ms(from);
        for (;;) {
            const auto page = redis_.command(
                {"XRANGE", keys::webhook_events(shard), start, end, "COUNT", "1000"});
            page.expect_ok("XRANGE webhook events");
            if (page.elements.empty()) break;
            RedisCommand push{"RPUSH", keys::webhook_state(shard, "replay", endpoint.id)};
            for (const auto& entry : page.elements) {
                if (entry.elements.size() < 2) continue;
                if (endpoint.wants(text_of(field_map(entry.elements[1]), "t")))
                    push.push_back(entry.elements[0].str);
            }
            if (push.size() > 2) {
                redis_.command(push).expect_ok("RPUSH webhook replay");
                asked += push.size() - 2;
            }
            if (page.elements.size() < 1000) break;
            start = "(" + page.elements.back().elements[0].str;
        }
    }
    return asked;
}

}  // namespace huitou
