// api_key_store.h — API keys in Redis: add, list, revoke, and find the key a
// request presents.
//
// Keys belong to no store (one key may span several), so they live under
// their own hash tag, all in one Redis Cluster slot — there are tens of
// them, not millions — which keeps add and revoke one MULTI/EXEC each:
//   hu:{apikeys}:k:<id>   hash  name, stores ("*" or "toyland,ktv"), scope,
//                               hash (hex SHA-256 of the token), created_at,
//                               revoked_at (Unix s; absent while live)
//   hu:{apikeys}:ids      set   every key's id, revoked ones too (the listing)
//   hu:{apikeys}:names    hash  name → id of the live keys: names are unique
//                               among live keys, and a revoked key's name is
//                               free again
// The token itself is never stored: it is printed once by `huitou apikey
// add` and then only its digest exists (core/api_key.h says why SHA-256).
// Revoking sets revoked_at and deletes the digest, so find() refuses the key
// on the next request; nothing caches a key between requests.
//
// Not thread-safe (one RedisConnection); ApiKeyChecker is the shared,
// mutex-guarded lookup for the admin server's threads. Every method throws
// RedisError when Redis is away and RedisReplyError when it answers with an
// error.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/identity.h"
#include "io/redis_connection.h"

namespace huitou {

// A key as listed: everything but the secret and its digest.
struct ApiKeyInfo {
    std::string id;
    std::string name;
    bool all_stores = false;
    std::vector<std::string> stores;  // when !all_stores, in the order given
    Scope scope = Scope::read;
    SysSeconds created_at{};
    std::optional<SysSeconds> revoked_at;

    // Who a request with this key is (kind api_key).
    Identity identity() const;
};

class ApiKeyStore {
  public:
    explicit ApiKeyStore(RedisConnection& redis) : redis_(redis) {}

    struct Added {
        std::string token;  // the whole key: show it once, keep it nowhere
        ApiKeyInfo key;
    };
    // Makes a key with a new random id and secret (OpenSSL RAND_bytes).
    // Preconditions (asserted): `name` passes check_api_key_name, and
    // `stores` is non-empty unless `all_stores`. nullopt when a live key
    // already has the name. Throws RedisError, RedisReplyError, and
    // std::runtime_error when the system has no randomness to give.
    std::optional<Added> add(const std::string& name, bool all_stores,
                             const std::vector<std::string>& stores, Scope scope, SysSeconds now);

    // Every key, live and revoked, oldest first.
    std::vector<ApiKeyInfo> list();

    enum class Revoked { now, already, not_found };
    struct Revocation {
        Revoked outcome = Revoked::not_found;
        std::optional<ApiKeyInfo> key;  // the key, unless not_found
    };
    // Revokes the key whose id is `id_or_name` or, when there is none, the
    // live key so named (an id wins: ids are 8 base32 characters).
    Revocation revoke(const std::string& id_or_name, SysSeconds now);

    // The identity of the live key `token` is, else nullopt (malformed,
    // unknown, revoked, or the wrong secret for the id).
    std::optional<Identity> find(std::string_view token);

  private:
    std::optional<ApiKeyInfo> get(const std::string& id);

    RedisConnection& redis_;
};

// The lookup the admin server calls from its threads: one Redis connection
// of its own, opened when first needed, one request at a time. Throws what
// ApiKeyStore::find throws; after a RedisError it connects again on the next
// call.
class ApiKeyChecker {
  public:
    explicit ApiKeyChecker(RedisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
    std::optional<Identity> operator()(std::string_view token);

  private:
    RedisEndpoint endpoint_;
    std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
};

}  // namespace huitou
