#include "io/webhook_dispatcher.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/webhook_plan.h"
#include "core/webhook_signature.h"
#include "io/http_client.h"
#include "io/lua_script.h"
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

// Throws RedisReplyError for an error among `replies` or inside an EXEC's.
// An EXEC answered nil (a watched key changed: nothing written) passes:
// exec_watched tells it apart.
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
    said_frozen_.clear();
    maintain();
    const SysSeconds now = clock_.now();
    std::vector<Call> calls;
    for (const auto& [store, _] : config_.stores) {
        if (!serves_(store)) continue;
        for (const auto& endpoint : endpoints_) {
            if (!endpoint.covers(store)) continue;
            for (const auto& shard : shards_of(redis(), store)) {
                const bool frozen = !take_in(shard, endpoint);
                auto due = due_calls(shard, endpoint, now, frozen);
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

std::optional<std::vector<RedisReply>> WebhookDispatcher::read_watched(
    const Shard& shard, const std::vector<RedisCommand>& reads) {
    const std::string fence = LuaScript::fence_key(keys::shard_prefix(shard));
    std::vector<RedisCommand> commands{{"WATCH", fence}, {"GET", fence}};
    commands.insert(commands.end(), reads.begin(), reads.end());
    auto replies = redis().pipeline(commands);
    replies[0].expect_ok("WATCH fence");
    replies[1].expect_ok("GET fence");
    if (replies[1].str == "copy") {
        redis().command({"UNWATCH"}).expect_ok("UNWATCH");
        // As a fenced script's StoreFrozen does: the record is read again,
        // so a switch made meanwhile is followed at once.
        forget_shards(redis(), shard.store);
        return std::nullopt;
    }
    replies.erase(replies.begin(), replies.begin() + 2);
    return replies;
}

bool WebhookDispatcher::exec_watched(std::vector<RedisCommand> writes, const char* what) {
    writes.insert(writes.begin(), {"MULTI"});
    writes.push_back({"EXEC"});
    const auto replies = redis().pipeline(writes);
    expect_exec(replies, what);
    return !replies.back().is_nil();
}

bool WebhookDispatcher::take_in(const Shard& shard, const WebhookEndpoint& endpoint) {
    const auto cur_key = keys::webhook_state(shard, "cur", endpoint.id);
    const auto replay_key = keys::webhook_state(shard, "replay", endpoint.id);
    const auto q_key = keys::webhook_state(shard, "q", endpoint.id);
    const auto events_key = keys::webhook_events(shard);
    const auto batch = std::to_string(options_.intake_batch);
    // The fence watched from here to the EXEC: a reshard's copy that starts
    // meanwhile aborts it, and the intake is done again on a later round.
    const auto watched = read_watched(
        shard,
        {{"GET", cur_key}, {"LRANGE", replay_key, "0", std::to_string(options_.intake_batch - 1)}});
    if (!watched) {
        if (said_frozen_.insert(shard.tag()).second)
            spdlog::debug("webhooks: shard {} is being copied by a reshard: left alone this round",
                          shard.tag());
        return false;
    }
    const auto& first = *watched;
    expect_exec(first, "webhook intake");
    std::string cursor = first[0].str;
    const bool unseen = first[0].is_nil();
    if (unseen) {
        // A store this endpoint has not seen: from now on, not the past
        // (replay is for that). The cursor is written with the intake.
        const auto last = redis().command({"XREVRANGE", events_key, "+", "-", "COUNT", "1"});
        last.expect_ok("XREVRANGE webhook events");
        cursor = last.elements.empty() ? "0-0" : last.elements[0].elements[0].str;
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
    if (last_new.empty() && replays == 0 && !unseen) {
        redis().command({"UNWATCH"}).expect_ok("UNWATCH");
        return true;
    }

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
    std::vector<RedisCommand> writes;
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
    if (!last_new.empty() || unseen)
        writes.push_back({"SET", cur_key, last_new.empty() ? cursor : last_new});
    if (replays > 0) writes.push_back({"LTRIM", replay_key, std::to_string(replays), "-1"});
    if (after_read_) after_read_();
    if (!exec_watched(std::move(writes), "webhook intake")) {
        // The fence went up after it was read: nothing was written, the
        // cursor has not moved, and the same events are taken in later.
        if (said_frozen_.insert(shard.tag()).second)
            spdlog::debug("webhooks: shard {}: intake stopped by a reshard's fence", shard.tag());
        forget_shards(redis(), shard.store);
    }
    return true;
}

std::vector<WebhookDispatcher::Call> WebhookDispatcher::due_calls(const Shard& shard,
                                                                  const WebhookEndpoint& endpoint,
                                                                  SysSeconds now, bool frozen) {
    const std::string& store = shard.store;
    const auto due_key = keys::webhook_state(shard, "due", endpoint.id);
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
    // Being copied: its events wait (and are counted), none is called — its
    // outcome could not be recorded.
    if (frozen) return {};
    const auto ids = redis().command({"ZRANGEBYSCORE", due_key, "-inf", unix_seconds(now), "LIMIT",
                                      "0", std::to_string(options_.per_endpoint)});
    ids.expect_ok("ZRANGEBYSCORE webhook due");
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
    // A shard at a time, in the order of the calls: WATCH covers only the
    // next EXEC, so a shard's outcomes are one transaction.
    std::vector<std::vector<const Call*>> groups;
    std::map<std::string, std::size_t> group_of;  // shard tag → its group
    for (const auto& c : calls) {
        const auto [it, added] = group_of.try_emplace(c.shard.tag(), groups.size());
        if (added) groups.emplace_back();
        groups[it->second].push_back(&c);
    }
    for (const auto& group : groups)
        settle_shard(group);
}

void WebhookDispatcher::not_recorded(const Shard& shard, std::size_t calls) {
    // At most once a shard a round: one settle a shard.
    said_frozen_.insert(shard.tag());
    spdlog::info(
        "webhooks: shard {}: a reshard's copy began before the outcomes of {} call(s) "
        "were recorded; they will be made again after it",
        shard.tag(), calls);
}

void WebhookDispatcher::settle_shard(const std::vector<const Call*>& calls) {
    const Shard& shard = calls.front()->shard;
    // The members' queues, read once (only this thread writes them), with
    // the fence watched and read.
    std::vector<RedisCommand> reads;
    for (const auto* c : calls)
        if (c->event && !c->event->member.empty())
            reads.push_back(
                {"HGET", keys::webhook_state(c->shard, "q", c->endpoint->id), c->event->member});
    // A shard whose copy began after its calls were made (or an EXEC aborted
    // below, the fence raised after this read) records nothing: each call
    // stays due as it was and is made again after the reshard — at least
    // once, as after a crash; receivers deduplicate by Huitou-Webhook-Id.
    const auto queues = read_watched(shard, reads);
    if (!queues) {
        not_recorded(shard, calls.size());
        return;
    }
    expect_exec(*queues, "HGET webhook queue");

    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const SysSeconds now = clock_.now();
    std::vector<RedisCommand> writes;
    std::vector<const char*> results;
    std::size_t q = 0;
    for (const auto* call : calls) {
        const Call& c = *call;
        const std::string& e = c.endpoint->id;
        const std::string due_key = keys::webhook_state(c.shard, "due", e);
        const std::string try_key = keys::webhook_state(c.shard, "try", e);
        const bool has_member = c.event && !c.event->member.empty();
        const std::string queue = has_member ? (*queues)[q++].str : std::string();
        // An event no longer kept cannot be tried again: it is given up at once.
        const WebhookNext next =
            c.event ? after_webhook_attempt(c.ok, c.attempt, c.event->at, now, unit(random_))
                    : WebhookNext{WebhookNext::Outcome::failed, {}};
        const char* result = next.outcome == WebhookNext::Outcome::delivered ? "delivered"
                             : next.outcome == WebhookNext::Outcome::retry   ? "retry"
                                                                             : "failed";
        results.push_back(result);
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
    }
    if (after_read_) after_read_();
    if (!exec_watched(std::move(writes), "webhook settle")) {
        forget_shards(redis(), shard.store);
        not_recorded(shard, calls.size());
        return;
    }
    // Counted and said once recorded: an outcome not recorded is not final.
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const Call& c = *calls[i];
        const std::string& e = c.endpoint->id;
        if (counters_) {
            counters_->calls.inc({c.store, e, results[i]});
            if (!c.ok && c.event)
                counters_->oldest.set({c.store, e},
                                      std::max(counters_->oldest.value({c.store, e}),
                                               static_cast<double>((now - c.event->at).count())));
        }
        if (std::string_view(results[i]) == "failed")
            spdlog::warn("webhook {} to {}: given up after {} attempts ({})",
                         webhook_event_id(c.shard.tag(), c.stream_id), e, c.attempt,
                         c.error.empty() ? "HTTP " + std::to_string(c.status) : c.error);
    }
}

}  // namespace huitou
