#include "io/webhook_dispatcher.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "core/webhook_plan.h"
#include "core/webhook_signature.h"
#include "io/http_client.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/redis_outage.h"
#include "io/shard_map.h"
#include "io/webhook_store.h"

namespace huitou {
namespace {

std::string text_of(const FieldMap& f, const char* name) {
    const auto it = f.find(name);
    return it == f.end() ? std::string() : it->second;
}

// A stream entry [id, [field, value, ...]] as an event; nullopt when the
// reply holds none (the entry was trimmed).
std::optional<WebhookEvent> event_of(const RedisReply& entry) {
    if (entry.elements.size() < 2) return std::nullopt;
    const FieldMap f = field_map(entry.elements[1]);
    WebhookEvent e;
    e.stream_id = entry.elements[0].str;
    e.type = text_of(f, "t");
    e.member = text_of(f, "m");
    try {
        e.at = SysSeconds{std::chrono::seconds{std::stoll(text_of(f, "at"))}};
    } catch (const std::exception&) {
        e.at = SysSeconds{};  // damaged: given up after its first failure
    }
    e.data = text_of(f, "d");
    return e;
}

void expect_exec(const std::vector<RedisReply>& replies, const char* what) {
    for (const auto& r : replies) {
        r.expect_ok(what);
        if (r.type == RedisReply::Type::array)
            for (const auto& inner : r.elements)
                inner.expect_ok(what);
    }
}

}  // namespace

struct WebhookDispatcher::Call {
    std::string store;
    Shard shard;                                // whose stream holds the event
    const WebhookEndpoint* endpoint = nullptr;  // into endpoints_, stable during a round
    std::string stream_id;
    std::optional<WebhookEvent> event;  // nullopt: no longer in the stream
    int attempt = 1;
    long status = 0;
    std::string error;
    bool ok = false;
};

struct WebhookDispatcher::Counters {
    explicit Counters(MetricsRegistry& r)
        : calls(r.counter("huitou_webhook_calls_total",
                          "Webhook calls made, by store, endpoint and result (delivered, retry, "
                          "failed: given up after a day)",
                          {"store", "endpoint", "result"})),
          waiting(r.gauge("huitou_webhook_waiting_members",
                          "Members with a webhook event not yet delivered to the endpoint",
                          {"store", "endpoint"})),
          oldest(r.gauge("huitou_webhook_oldest_undelivered_seconds",
                         "Age of the oldest event whose last call to the endpoint failed (0 when "
                         "nothing waits)",
                         {"store", "endpoint"})) {}
    Counter calls;
    Gauge waiting, oldest;
};

WebhookDispatcher::WebhookDispatcher(const Config& config, RedisEndpoint redis, const Clock& clock,
                                     Serves serves, MetricsRegistry* metrics,
                                     WebhookDispatchOptions options)
    : config_(config),
      endpoint_(std::move(redis)),
      clock_(clock),
      serves_(std::move(serves)),
      options_(options),
      counters_(metrics ? std::make_unique<Counters>(*metrics) : nullptr) {}

WebhookDispatcher::~WebhookDispatcher() {
    stop();
}

void WebhookDispatcher::start() {
    thread_ = std::thread([this] {
        RedisOutage outage;
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            std::size_t calls = 0;
            try {
                calls = run_round();
                outage.reached();
            } catch (const RedisError& e) {
                if (redis_) outage.recover(*redis_, e);
                redis_.reset();
                continue;
            } catch (const std::exception& e) {
                // Refused by Redis (a bug or damaged data) or a broken
                // library: said, and tried again after a pause.
                spdlog::error("webhooks: {}", e.what());
                calls = 0;
            }
            if (calls == 0) {
                std::unique_lock lock(mutex_);
                wake_.wait_for(lock, options_.idle, [this] { return stopping_; });
            }
        }
    });
}

void WebhookDispatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

RedisConnection& WebhookDispatcher::redis() {
    if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
    return *redis_;
}

std::size_t WebhookDispatcher::run_round() {
    maintain();
    const SysSeconds now = clock_.now();
    std::vector<Call> calls;
    for (const auto& [store, _] : config_.stores) {
        if (!serves_(store)) continue;
        for (const auto& endpoint : endpoints_) {
            if (!endpoint.covers(store)) continue;
            for (const auto& shard : shards_of(redis(), store)) {
                take_in(shard, endpoint);
                auto due = due_calls(shard, endpoint, now);
                std::move(due.begin(), due.end(), std::back_inserter(calls));
            }
        }
    }
    if (calls.empty()) return 0;
    perform(calls);
    settle(calls);
    return calls.size();
}

void WebhookDispatcher::maintain() {
    const auto steady = std::chrono::steady_clock::now();
    if (refreshed_ != std::chrono::steady_clock::time_point{} &&
        steady - refreshed_ < options_.refresh)
        return;
    refreshed_ = steady;
    WebhookStore store(redis());
    endpoints_ = store.list();
    std::vector<std::string> served;
    for (const auto& [id, _] : config_.stores)
        if (serves_(id)) served.push_back(id);
    store.sync_flags(served, endpoints_);
    // Trim by Redis' clock: it made the stream ids (XADD *), whatever the
    // injected clock says.
    const auto time = redis().command({"TIME"});
    time.expect_ok("TIME");
    if (time.elements.size() < 2) return;
    const long long redis_ms = std::stoll(time.elements[0].str) * 1000;
    const long long keep_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(webhook_event_keep).count();
    std::vector<RedisCommand> trims;
    for (const auto& s : served)
        for (const auto& shard : shards_of(redis(), s))
            trims.push_back({"XTRIM", keys::webhook_events(shard), "MINID", "~",
                             std::to_string(redis_ms - keep_ms)});
    if (!trims.empty()) expect_exec(redis().pipeline(trims), "XTRIM webhook events");
}

void WebhookDispatcher::take_in(const Shard& shard, const WebhookEndpoint& endpoint) {
    const auto cur_key = keys::webhook_state(shard, "cur", endpoint.id);
    const auto replay_key = keys::webhook_state(shard, "replay", endpoint.id);
    const auto q_key = keys::webhook_state(shard, "q", endpoint.id);
    const auto events_key = keys::webhook_events(shard);
    const auto batch = std::to_string(options_.intake_batch);
    auto first = redis().pipeline(
        {{"GET", cur_key}, {"LRANGE", replay_key, "0", std::to_string(options_.intake_batch - 1)}});
    expect_exec(first, "webhook intake");
    std::string cursor = first[0].str;
    if (first[0].is_nil()) {
        // A store this endpoint has not seen: from now on, not the past
        // (replay is for that).
        const auto last = redis().command({"XREVRANGE", events_key, "+", "-", "COUNT", "1"});
        last.expect_ok("XREVRANGE webhook events");
        cursor = last.elements.empty() ? "0-0" : last.elements[0].elements[0].str;
        redis().command({"SET", cur_key, cursor}).expect_ok("SET webhook cursor");
    }
    std::vector<RedisCommand> reads{{"XRANGE", events_key, "(" + cursor, "+", "COUNT", batch}};
    for (const auto& id : first[1].elements)
        reads.push_back({"XRANGE", events_key, id.str, id.str});
    const auto replies = redis().pipeline(reads);
    expect_exec(replies, "XRANGE webhook events");

    std::vector<WebhookEvent> events;  // replays (older) first, then the new ones
    for (std::size_t i = 1; i < replies.size(); ++i)
        if (!replies[i].elements.empty())
            if (auto e = event_of(replies[i].elements[0]); e && endpoint.wants(e->type))
                events.push_back(std::move(*e));
    std::string last_new;
    for (const auto& entry : replies[0].elements) {
        auto e = event_of(entry);
        if (!e) continue;
        last_new = e->stream_id;
        if (endpoint.wants(e->type)) events.push_back(std::move(*e));
    }
    const std::size_t replays = first[1].elements.size();
    if (last_new.empty() && replays == 0) return;

    std::set<std::string> members;
    for (const auto& e : events)
        if (!e.member.empty()) members.insert(e.member);
    std::map<std::string, std::string> queues;
    if (!members.empty()) {
        RedisCommand hmget{"HMGET", q_key};
        hmget.insert(hmget.end(), members.begin(), members.end());
        const auto known = redis().command(hmget);
        known.expect_ok("HMGET webhook queues");
        std::size_t i = 0;
        for (const auto& m : members) {
            if (i < known.elements.size() && !known.elements[i].is_nil())
                queues[m] = known.elements[i].str;
            ++i;
        }
    }
    const WebhookIntake placed = place_webhook_events(events, queues);
    std::vector<RedisCommand> writes{{"MULTI"}};
    if (!placed.heads.empty()) {
        RedisCommand zadd{"ZADD", keys::webhook_state(shard, "due", endpoint.id)};
        for (const auto& id : placed.heads) {
            zadd.push_back(unix_seconds(clock_.now()));
            zadd.push_back(id);
        }
        writes.push_back(std::move(zadd));
    }
    if (!placed.queues.empty()) {
        RedisCommand hset{"HSET", q_key};
        for (const auto& [member, ids] : placed.queues) {
            hset.push_back(member);
            hset.push_back(join_webhook_queue(ids));
        }
        writes.push_back(std::move(hset));
    }
    if (!last_new.empty()) writes.push_back({"SET", cur_key, last_new});
    if (replays > 0) writes.push_back({"LTRIM", replay_key, std::to_string(replays), "-1"});
    writes.push_back({"EXEC"});
    expect_exec(redis().pipeline(writes), "webhook intake");
}

std::vector<WebhookDispatcher::Call> WebhookDispatcher::due_calls(const Shard& shard,
                                                                  const WebhookEndpoint& endpoint,
                                                                  SysSeconds now) {
    const std::string& store = shard.store;
    const auto due_key = keys::webhook_state(shard, "due", endpoint.id);
    const auto ids = redis().command({"ZRANGEBYSCORE", due_key, "-inf", unix_seconds(now), "LIMIT",
                                      "0", std::to_string(options_.per_endpoint)});
    ids.expect_ok("ZRANGEBYSCORE webhook due");
    if (counters_) {
        const auto waiting = redis().command({"ZCARD", due_key});
        waiting.expect_ok("ZCARD webhook due");
        // (A store over K shards: the gauge is its shards' sum, and an
        // emptied shard resets the oldest only when it is the only one.)
        if (shard.index == 0) counters_->waiting.set({store, endpoint.id}, 0);
        counters_->waiting.set(
            {store, endpoint.id},
            counters_->waiting.value({store, endpoint.id}) + static_cast<double>(waiting.integer));
        if (waiting.integer == 0 && shard.k == 1) counters_->oldest.set({store, endpoint.id}, 0);
    }
    if (ids.elements.empty()) return {};
    std::vector<RedisCommand> reads;
    for (const auto& id : ids.elements) {
        reads.push_back({"XRANGE", keys::webhook_events(shard), id.str, id.str});
        reads.push_back({"HGET", keys::webhook_state(shard, "try", endpoint.id), id.str});
    }
    const auto replies = redis().pipeline(reads);
    expect_exec(replies, "webhook due events");
    std::vector<Call> calls;
    for (std::size_t i = 0; i < ids.elements.size(); ++i) {
        Call c;
        c.store = store;
        c.shard = shard;
        c.endpoint = &endpoint;
        c.stream_id = ids.elements[i].str;
        if (!replies[2 * i].elements.empty()) c.event = event_of(replies[2 * i].elements[0]);
        try {
            c.attempt = replies[2 * i + 1].is_nil() ? 1 : std::stoi(replies[2 * i + 1].str) + 1;
        } catch (const std::exception&) {
            c.attempt = 1;
        }
        calls.push_back(std::move(c));
    }
    return calls;
}

void WebhookDispatcher::perform(std::vector<Call>& calls) {
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        HttpClient http;
        for (std::size_t i = next++; i < calls.size(); i = next++) {
            Call& c = calls[i];
            if (!c.event) {
                c.error = "the event is no longer kept (older than the stream's 7 days)";
                continue;
            }
            const StoreConfig* store = config_.find_store(c.store);
            const std::string body = webhook_body(
                c.store, *c.event, store ? store->zone : find_zone("UTC"), c.shard.tag());
            // The signature's timestamp is the real time, not the injected
            // clock: receivers compare it with their own clocks.
            const long long ts = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
            OutgoingRequest request;
            request.method = "POST";
            request.url = c.endpoint->url;
            request.timeout = options_.timeout;
            request.body = body;
            request.headers = {"Content-Type: application/json", "User-Agent: huitou-webhooks/1",
                               std::string(webhook_id_header) + ": " +
                                   webhook_event_id(c.shard.tag(), c.stream_id),
                               std::string(webhook_timestamp_header) + ": " + std::to_string(ts),
                               std::string(webhook_signature_header) + ": " +
                                   webhook_signature(c.endpoint->secret, ts, body)};
            try {
                const auto response = http.perform(request);
                c.status = response.status;
                c.ok = response.status >= 200 && response.status < 300;
            } catch (const HttpError& e) {
                c.error = e.what();
            }
        }
    };
    const std::size_t n = std::min(options_.concurrency, calls.size());
    std::vector<std::thread> threads;
    for (std::size_t t = 1; t < n; ++t)
        threads.emplace_back(work);
    work();
    for (auto& t : threads)
        t.join();
}

void WebhookDispatcher::settle(const std::vector<Call>& calls) {
    // The members' queues, read once (only this thread writes them).
    std::vector<RedisCommand> reads;
    for (const auto& c : calls)
        if (c.event && !c.event->member.empty())
            reads.push_back(
                {"HGET", keys::webhook_state(c.shard, "q", c.endpoint->id), c.event->member});
    const auto queues = reads.empty() ? std::vector<RedisReply>{} : redis().pipeline(reads);
    expect_exec(queues, "HGET webhook queue");

    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const SysSeconds now = clock_.now();
    std::vector<RedisCommand> writes;
    std::size_t q = 0;
    for (const auto& c : calls) {
        const std::string& e = c.endpoint->id;
        const std::string due_key = keys::webhook_state(c.shard, "due", e);
        const std::string try_key = keys::webhook_state(c.shard, "try", e);
        const bool has_member = c.event && !c.event->member.empty();
        const std::string queue = has_member ? queues[q++].str : std::string();
        // An event no longer kept cannot be tried again: it is given up at once.
        const WebhookNext next =
            c.event ? after_webhook_attempt(c.ok, c.attempt, c.event->at, now, unit(random_))
                    : WebhookNext{WebhookNext::Outcome::failed, {}};
        const char* result = next.outcome == WebhookNext::Outcome::delivered ? "delivered"
                             : next.outcome == WebhookNext::Outcome::retry   ? "retry"
                                                                             : "failed";
        writes.push_back({"MULTI"});
        if (next.outcome == WebhookNext::Outcome::retry) {
            writes.push_back({"ZADD", due_key, "XX", unix_seconds(next.retry_at), c.stream_id});
            writes.push_back({"HSET", try_key, c.stream_id, std::to_string(c.attempt)});
        } else {
            writes.push_back({"ZREM", due_key, c.stream_id});
            writes.push_back({"HDEL", try_key, c.stream_id});
            if (has_member) {
                const auto q_key = keys::webhook_state(c.shard, "q", e);
                const WebhookPop pop = pop_webhook_head(queue, c.stream_id);
                if (pop.queue.empty())
                    writes.push_back({"HDEL", q_key, c.event->member});
                else
                    writes.push_back({"HSET", q_key, c.event->member, pop.queue});
                if (pop.next) writes.push_back({"ZADD", due_key, unix_seconds(now), *pop.next});
            }
        }
        writes.push_back({"XADD",
                          keys::webhook_state(c.shard, "log", e),
                          "MAXLEN",
                          "~",
                          std::to_string(webhook_log_keep),
                          "*",
                          "at",
                          unix_seconds(now),
                          "ev",
                          webhook_event_id(c.shard.tag(), c.stream_id),
                          "t",
                          c.event ? c.event->type : std::string(),
                          "m",
                          c.event ? c.event->member : std::string(),
                          "n",
                          std::to_string(c.attempt),
                          "st",
                          std::to_string(c.status),
                          "r",
                          result,
                          "err",
                          c.error});
        writes.push_back({"EXEC"});
        if (counters_) {
            counters_->calls.inc({c.store, e, result});
            if (!c.ok && c.event)
                counters_->oldest.set({c.store, e},
                                      std::max(counters_->oldest.value({c.store, e}),
                                               static_cast<double>((now - c.event->at).count())));
        }
        if (next.outcome == WebhookNext::Outcome::failed)
            spdlog::warn("webhook {} to {}: given up after {} attempts ({})",
                         webhook_event_id(c.shard.tag(), c.stream_id), e, c.attempt,
                         c.error.empty() ? "HTTP " + std::to_string(c.status) : c.error);
    }
    expect_exec(redis().pipeline(writes), "webhook settle");
}

}  // namespace huitou
