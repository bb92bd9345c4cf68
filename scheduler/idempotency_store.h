// idempotency_store.h — Idempotency-Key records in Redis, for the admin server.
//
// One string per (caller, key), hu:idem:{<caller>}:<sha256 of the key>
// (io/redis_keys.h), holding the request's fingerprint and, once answered,
// the answer (core/idempotency.h). take() is one SET … NX GET: it either
// takes the key for this request (pending, kept kIdempotencyPendingSeconds)
// or returns what is there, atomically, so two retries racing each other
// never both run. keep() stores the answer for kIdempotencyKeepSeconds;
// forget() forgets a request whose answer is not kept (a 5xx), so a retry
// runs it again. Its own Redis connection, under a mutex: the server's
// threads share it (one short command a write request).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/idempotency.h"
#include "io/redis_connection.h"

namespace huitou {

class IdempotencyStore {
  public:
    // Connects lazily, on the first request.
    explicit IdempotencyStore(RedisEndpoint redis);

    // Takes (caller, key) for a request of `fingerprint` and returns nullopt,
    // or returns the record found there (the key was taken before). A damaged
    // record counts as none. Throws RedisError.
    std::optional<IdempotencyRecord> take(const std::string& caller, const std::string& key,
                                          const std::string& fingerprint);
    // Stores the answer of the request that took (caller, key). Throws RedisError.
    void keep(const std::string& caller, const std::string& key, const IdempotencyRecord& answer);
    // Forgets (caller, key). Throws RedisError.
    void forget(const std::string& caller, const std::string& key);

  private:
    template <typename Run>
    auto with_redis(Run run);

    RedisEndpoint endpoint_;
    std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
};

}  // namespace huitou
