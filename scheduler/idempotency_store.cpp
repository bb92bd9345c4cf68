#include "scheduler/idempotency_store.h"

#include "core/api_key.h"
#include "io/redis_keys.h"

namespace huitou {
namespace {

std::string record_key(const std::string& caller, const std::string& key) {
    return keys::idempotency(caller, api_key_digest(key));
}

}  // namespace

IdempotencyStore::IdempotencyStore(RedisEndpoint redis) : endpoint_(std::move(redis)) {}

template <typename Run>
auto IdempotencyStore::with_redis(Run run) {
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        return run(*redis_);
    } catch (const RedisError&) {
        redis_.reset();  // connect again next time
        throw;
    }
}

std::optional<IdempotencyRecord> IdempotencyStore::take(const std::string& caller,
                                                        const std::string& key,
                                                        const std::string& fingerprint) {
    const auto k = record_key(caller, key);
    const auto pending = encode(IdempotencyRecord{fingerprint});
    return with_redis([&](RedisConnection& redis) -> std::optional<IdempotencyRecord> {
        const auto reply = redis.command(
            {"SET", k, pending, "NX", "GET", "EX", std::to_string(kIdempotencyPendingSeconds)});
        reply.expect_ok("SET idempotency");
        if (reply.is_nil()) return std::nullopt;  // taken: this request runs
        if (auto found = decode_idempotency_record(reply.str)) return found;
        // Damaged: take it over.
        redis.command({"SET", k, pending, "EX", std::to_string(kIdempotencyPendingSeconds)})
            .expect_ok("SET idempotency");
        return std::nullopt;
    });
}

void IdempotencyStore::keep(const std::string& caller, const std::string& key,
                            const IdempotencyRecord& answer) {
    with_redis([&](RedisConnection& redis) {
        redis
            .command({"SET", record_key(caller, key), encode(answer), "EX",
                      std::to_string(kIdempotencyKeepSeconds)})
            .expect_ok("SET idempotency");
    });
}

void IdempotencyStore::forget(const std::string& caller, const std::string& key) {
    with_redis([&](RedisConnection& redis) {
        redis.command({"DEL", record_key(caller, key)}).expect_ok("DEL idempotency");
    });
}

}  // namespace huitou
