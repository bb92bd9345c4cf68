// webhook_dispatcher.h — delivers each store's webhook events to its
// endpoints: signed, at least once, in order per member, retried for a day.
//
// A thread of the scheduler daemon with its own Redis connection and its own
// HTTP clients, so a receiver that is slow or down never holds up planning,
// dispatch or the workers: the worst it can do is slow the other
// endpoints' calls, each call being bounded by a short timeout (5 s).
// It serves only the stores whose lease its scheduler holds (`serves`,
// io/store_leases.h), so two replicas do not deliver a store's events at
// once (a lease changing hands may repeat an in-flight call: at least once).
//
// A round (run_round):
//   1. now and then: re-read the endpoints, set or clear hu:{S}:wh:on for the
//      stores served, trim hu:{S}:wh:events to 7 days (by Redis' own clock,
//      which made the stream ids);
//   2. intake, per (store, endpoint): new stream entries after the cursor and
//      replays asked for, of the types the endpoint wants, are placed by
//      core/webhook_plan.h (a member's first is a head, due now; the rest
//      queue behind it) in one MULTI/EXEC with the cursor's move;
//   3. the due heads (at most `per_endpoint` an endpoint) are called, up to
//      `concurrency` at once, each signed (core/webhook_signature.h);
//   4. each outcome is recorded in one MULTI/EXEC: delivered or given up, the
//      head leaves and the member's next event becomes the head, due now; a
//      failure is due again after the backoff; every attempt goes to the log.
// Everything is in Redis between rounds, so a killed scheduler loses
// nothing: a call whose outcome was not recorded is made again (receivers
// deduplicate by Huitou-Webhook-Id).
//
// The reshard fence (docs/architecture.md, "A store over K shards"). These
// writes are MULTI/EXEC, not scripts, so they watch the fence themselves:
// before a shard's reads, WATCH and GET hu:{T}:frozen in one round trip.
// `copy`: the shard is left alone for the round (no intake, no calls, no
// outcome recorded) and the store's shard record is read again; `drain` or
// absent: as above. A fence raised between the read and the EXEC aborts it
// (nil): nothing is written, an intake is done again later and a call's
// outcome not recorded is made again after the reshard (at least once). A
// round's outcomes are one transaction a shard. K = 1: the fence is
// hu:{S}:frozen, normally absent, and the data written is unchanged.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/store_shards.h"
#include "core/webhook_endpoint.h"
#include "io/redis_connection.h"

namespace huitou {

struct WebhookDispatchOptions {
    std::size_t concurrency = 8;   // calls in flight at once, all endpoints together
    std::size_t per_endpoint = 8;  // calls of one endpoint in one store per round
    std::size_t intake_batch = 500;
    std::chrono::milliseconds timeout{5000};  // one call, connect to answer
    std::chrono::milliseconds idle{500};      // the wait after a round with nothing to do
    std::chrono::milliseconds refresh{5000};  // endpoints and flags re-read
};

class WebhookDispatcher {
  public:
    using Serves = std::function<bool(const std::string& store)>;
    // `serves` is called from the dispatcher's thread: it must be thread-safe.
    // `metrics` (may be null) must outlive the dispatcher.
    WebhookDispatcher(const Config& config, RedisEndpoint redis, const Clock& clock, Serves serves,
                      MetricsRegistry* metrics, WebhookDispatchOptions options = {});
    ~WebhookDispatcher();
    WebhookDispatcher(const WebhookDispatcher&) = delete;
    WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

    // Runs rounds on a thread of its own until stop() (or destruction); rides
    // out Redis outages like the scheduler's loop.
    void start();
    void stop();

    // One round, on the caller's thread (the thread's body; tests call it
    // directly). Returns the calls made. Throws RedisError.
    std::size_t run_round();

    // For tests of a fence raised mid-round: called after a shard's reads
    // (an intake's, a settle's), before its transaction is sent.
    void set_after_read_for_test(std::function<void()> hook) { after_read_ = std::move(hook); }

  private:
    struct Call;
    struct Counters;
    // Per shard of a store (a store over K shards has K event streams, each
    // with its own cursor, queues and due set per endpoint). take_in returns
    // false when the shard's fence says copy (nothing written);
    // due_calls of a `frozen` shard only counts what waits.
    bool take_in(const Shard& shard, const WebhookEndpoint& endpoint);
    std::vector<Call> due_calls(const Shard& shard, const WebhookEndpoint& endpoint, SysSeconds now,
                                bool frozen);
    void perform(std::vector<Call>& calls);
    void settle(const std::vector<Call>& calls);
    // The calls of one shard.
    void settle_shard(const std::vector<const Call*>& calls);
    void not_recorded(const Shard& shard, std::size_t calls);
    // WATCHes the shard's fence and reads it, then `reads`, in one round
    // trip. Returns the replies of `reads`; nullopt when the fence says copy
    // (then UNWATCHed). Throws RedisError.
    std::optional<std::vector<RedisReply>> read_watched(const Shard& shard,
                                                        const std::vector<RedisCommand>& reads);
    // MULTI, `writes`, EXEC. False when the EXEC was aborted (a watched key
    // changed): nothing written. Throws RedisReplyError for a refused command.
    bool exec_watched(std::vector<RedisCommand> writes, const char* what);
    void maintain();
    RedisConnection& redis();

    const Config& config_;
    RedisEndpoint endpoint_;
    const Clock& clock_;
    Serves serves_;
    WebhookDispatchOptions options_;
    std::unique_ptr<Counters> counters_;
    std::unique_ptr<RedisConnection> redis_;
    std::vector<WebhookEndpoint> endpoints_;
    std::chrono::steady_clock::time_point refreshed_{};
    std::mt19937_64 random_{std::random_device{}()};
    std::set<std::string> said_frozen_;  // shard tags logged as fenced this round
    std::function<void()> after_read_;

    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
};

}  // namespace huitou
