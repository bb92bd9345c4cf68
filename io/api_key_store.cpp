#include "io/api_key_store.h"
#include "core/separated_list.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <tuple>

#include "core/api_key.h"
#include "io/random_bytes.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"

namespace huitou {
namespace {

long long seconds(SysSeconds t) {
    return t.time_since_epoch().count();
}

SysSeconds at(const std::string& text) {
    return SysSeconds(std::chrono::seconds(std::stoll(text)));
}

std::optional<ApiKeyInfo> info_of(const std::string& id, const FieldMap& f) {
    if (f.empty()) return std::nullopt;
    ApiKeyInfo k;
    k.id = id;
    const auto field = [&](const char* name) {
        const auto it = f.find(name);
        return it == f.end() ? std::string() : it->second;
    };
    k.name = field("name");
    const auto stores = field("stores");
    k.all_stores = stores == "*";
    if (!k.all_stores) k.stores = split_list(stores, ',');
    // Damaged data reads as the narrower scope.
    k.scope = parse_scope(field("scope")).value_or(Scope::read);
    try {
        k.created_at = at(field("created_at"));
        if (const auto revoked = field("revoked_at"); !revoked.empty()) k.revoked_at = at(revoked);
    } catch (const std::exception&) {
        throw RedisReplyError("HGETALL " + keys::api_key(id), "a malformed time");
    }
    return k;
}

// EXEC's answer: false when a watched key changed and nothing was applied.
bool exec_applied(const std::vector<RedisReply>& replies, const char* what) {
    for (const auto& r : replies)
        r.expect_ok(what);
    for (const auto& r : replies.back().elements)
        r.expect_ok(what);
    return !replies.back().is_nil();
}

}  // namespace

Identity ApiKeyInfo::identity() const {
    Identity who;
    who.kind = Identity::Kind::api_key;
    who.id = id;
    who.name = name;
    who.all_stores = all_stores;
    who.stores = stores;
    who.scope = scope;
    return who;
}

std::optional<ApiKeyInfo> ApiKeyStore::get(const std::string& id) {
    const auto reply = redis_.command({"HGETALL", keys::api_key(id)});
    reply.expect_ok("HGETALL api key");
    return info_of(id, field_map(reply));
}

std::optional<ApiKeyStore::Added> ApiKeyStore::add(const std::string& name, bool all_stores,
                                                   const std::vector<std::string>& stores,
                                                   Scope scope, SysSeconds now) {
    assert(check_api_key_name(name).empty());
    assert(all_stores || !stores.empty());
    // WATCH the name index and the new id: a second `apikey add` of the same
    // name, or (one time in 2^40) the same id, makes EXEC apply nothing; then
    // look again.
    for (;;) {
        const auto token = format_api_key(random_bytes(api_key_id_bytes, "an API key"),
                                          random_bytes(api_key_secret_bytes, "an API key"));
        const std::string id = *api_key_id(token);
        const auto key = keys::api_key(id);
        redis_.command({"WATCH", keys::api_key_names(), key}).expect_ok("WATCH");
        const auto taken =
            redis_.pipeline({{"HEXISTS", keys::api_key_names(), name}, {"EXISTS", key}});
        taken[0].expect_ok("HEXISTS api key name");
        taken[1].expect_ok("EXISTS api key");
        if (taken[0].integer == 1) {
            redis_.command({"UNWATCH"});
            return std::nullopt;
        }
        if (taken[1].integer == 1) {
            redis_.command({"UNWATCH"});
            continue;
        }
        ApiKeyInfo info;
        info.id = id;
        info.name = name;
        info.all_stores = all_stores;
        if (!all_stores) info.stores = stores;
        info.scope = scope;
        info.created_at = now;
        const auto replies =
            redis_.pipeline({{"MULTI"},
                             {"HSET", key, "name", name, "stores",
                              all_stores ? std::string("*") : join_list(stores, ','), "scope",
                              std::string(to_string(scope)), "hash", api_key_digest(token),
                              "created_at", std::to_string(seconds(now))},
                             {"SADD", keys::api_key_ids(), id},
                             {"HSET", keys::api_key_names(), name, id},
                             {"EXEC"}});
        if (exec_applied(replies, "add api key")) return Added{token, std::move(info)};
    }
}

std::vector<ApiKeyInfo> ApiKeyStore::list() {
    const auto ids = redis_.command({"SMEMBERS", keys::api_key_ids()});
    ids.expect_ok("SMEMBERS api keys");
    std::vector<RedisCommand> reads;
    for (const auto& id : ids.elements)
        reads.push_back({"HGETALL", keys::api_key(id.str)});
    if (reads.empty()) return {};
    const auto replies = redis_.pipeline(reads);
    std::vector<ApiKeyInfo> out;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        replies[i].expect_ok("HGETALL api key");
        if (auto k = info_of(ids.elements[i].str, field_map(replies[i]))) out.push_back(*k);
    }
    std::sort(out.begin(), out.end(), [](const ApiKeyInfo& a, const ApiKeyInfo& b) {
        return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    return out;
}

ApiKeyStore::Revocation ApiKeyStore::revoke(const std::string& id_or_name, SysSeconds now) {
    for (;;) {
        redis_.command({"WATCH", keys::api_key_names()}).expect_ok("WATCH");
        std::optional<ApiKeyInfo> key;
        if (is_api_key_id(id_or_name)) key = get(id_or_name);
        if (!key) {
            const auto id = redis_.command({"HGET", keys::api_key_names(), id_or_name});
            id.expect_ok("HGET api key name");
            if (!id.is_nil()) key = get(id.str);
        }
        if (!key || key->revoked_at) {
            redis_.command({"UNWATCH"});
            return {key ? Revoked::already : Revoked::not_found, key};
        }
        const auto k = keys::api_key(key->id);
        redis_.command({"WATCH", k}).expect_ok("WATCH");
        const auto owner = redis_.command({"HGET", keys::api_key_names(), key->name});
        owner.expect_ok("HGET api key name");
        std::vector<RedisCommand> writes{
            {"MULTI"},
            {"HSET", k, "revoked_at", std::to_string(seconds(now))},
            // Without the digest no token matches, whatever else goes wrong.
            {"HDEL", k, "hash"}};
        if (owner.str == key->id) writes.push_back({"HDEL", keys::api_key_names(), key->name});
        writes.push_back({"EXEC"});
        if (exec_applied(redis_.pipeline(writes), "revoke api key")) {
            key->revoked_at = now;
            return {Revoked::now, key};
        }
    }
}

std::optional<Identity> ApiKeyStore::find(std::string_view token) {
    const auto id = api_key_id(token);
    if (!id) return std::nullopt;
    const auto reply = redis_.command({"HGETALL", keys::api_key(*id)});
    reply.expect_ok("HGETALL api key");
    const auto fields = field_map(reply);
    const auto stored = fields.find("hash");
    // The digest is computed whether or not the id exists, so an unknown id
    // takes as long as a wrong secret.
    const auto digest = api_key_digest(token);
    if (stored == fields.end() || fields.contains("revoked_at")) return std::nullopt;
    if (!same_digest(digest, stored->second)) return std::nullopt;
    const auto key = info_of(*id, fields);
    return key ? std::optional<Identity>(key->identity()) : std::nullopt;
}

std::optional<Identity> ApiKeyChecker::operator()(std::string_view token) {
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        ApiKeyStore store(*redis_);
        return store.find(token);
    } catch (const RedisError&) {
        redis_.reset();  // connect again on the next request
        throw;
    }
}

}  // namespace huitou
