#include "cli/apikey_commands.h"

#include <ostream>

#include <nlohmann/json.hpp>

#include "core/api_key.h"
#include "core/civil_time.h"
#include "io/api_key_store.h"

namespace huitou {
namespace {

std::string utc(SysSeconds t) {
    static const date::time_zone* zone = find_zone("UTC");
    return format_instant(t, zone);
}

std::string stores_text(const ApiKeyInfo& k) {
    if (k.all_stores) return "*";
    std::string out;
    for (const auto& s : k.stores)
        out += (out.empty() ? "" : ",") + s;
    return out;
}

nlohmann::json to_json(const ApiKeyInfo& k) {
    nlohmann::json j{{"id", k.id},
                     {"name", k.name},
                     {"scope", std::string(to_string(k.scope))},
                     {"stores", k.all_stores ? nlohmann::json("*") : nlohmann::json(k.stores)},
                     {"created_at", utc(k.created_at)},
                     {"revoked_at", nullptr}};
    if (k.revoked_at) j["revoked_at"] = utc(*k.revoked_at);
    return j;
}

}  // namespace

void ApiKeyCommands::add_to(CLI::App& app) {
    auto* apikey = app.add_subcommand("apikey", "API keys for /api/v1 (add, list, revoke)");
    apikey->require_subcommand(1);

    add_ =
        apikey->add_subcommand("add", "Make a key; it is printed once, then only its hash is kept");
    add_->add_option("name", name_, "The key's name: 1-64 of a-z 0-9 _ . -")->required();
    auto* store =
        add_->add_option("--store", stores_, "A store the key may reach (repeat for more)");
    auto* all = add_->add_flag("--all", all_, "Every store, those added later too");
    store->excludes(all);
    add_->add_option("--scope", scope_, "read (GET only) or write")
        ->required()
        ->check(CLI::IsMember({"read", "write"}));

    list_ =
        apikey->add_subcommand("list", "The keys, live and revoked (never the keys themselves)");
    list_->add_flag("--json", json_, "JSON: {\"keys\": [{id, name, scope, stores, ...}]}");

    revoke_ = apikey->add_subcommand("revoke", "Refuse a key from now on");
    revoke_->add_option("key", which_, "The key's id (as listed) or name")->required();
}

std::optional<int> ApiKeyCommands::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (add_ && *add_) return add(rt, out, err);
    if (list_ && *list_) return list(rt, out);
    if (revoke_ && *revoke_) return revoke(rt, out, err);
    return std::nullopt;
}

int ApiKeyCommands::add(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (const auto why = check_api_key_name(name_); !why.empty())
        throw ConfigError("name \"" + name_ + "\": " + why);
    if (!all_ && stores_.empty())
        throw ConfigError("--store or --all: say which stores the key may reach");
    for (const auto& s : stores_) {
        if (!rt.config.find_store(s))
            throw ConfigError("--store " + s + ": not a store in " + rt.config.origin);
    }
    RedisConnection redis(rt.redis);
    ApiKeyStore keys(redis);
    const auto added = keys.add(name_, all_, stores_, *parse_scope(scope_), rt.clock->now());
    if (!added) {
        throw ConfigError("name \"" + name_ +
                          "\": a live key has that name; revoke it or choose another");
    }
    out << added->token << "\n";
    err << "huitou: made API key " << added->key.id << " \"" << added->key.name << "\" (" << scope_
        << ", stores " << stores_text(added->key)
        << "). The key above is shown only this once: store it now.\n";
    return 0;
}

int ApiKeyCommands::list(const Runtime& rt, std::ostream& out) {
    RedisConnection redis(rt.redis);
    const auto keys = ApiKeyStore(redis).list();
    if (json_) {
        auto all = nlohmann::json::array();
        for (const auto& k : keys)
            all.push_back(to_json(k));
        out << nlohmann::json{{"keys", all}}.dump(2) << "\n";
        return 0;
    }
    if (keys.empty()) {
        out << "no API keys (huitou apikey add NAME --store S --scope read)\n";
        return 0;
    }
    for (const auto& k : keys) {
        out << k.id << "  " << k.name << "  " << to_string(k.scope) << "  " << stores_text(k)
            << "  made " << utc(k.created_at);
        if (k.revoked_at) out << "  revoked " << utc(*k.revoked_at);
        out << "\n";
    }
    return 0;
}

int ApiKeyCommands::revoke(const Runtime& rt, std::ostream& out, std::ostream& err) {
    RedisConnection redis(rt.redis);
    const auto r = ApiKeyStore(redis).revoke(which_, rt.clock->now());
    switch (r.outcome) {
        case ApiKeyStore::Revoked::now:
            out << "revoked " << r.key->id << " \"" << r.key->name << "\"\n";
            return 0;
        case ApiKeyStore::Revoked::already:
            out << r.key->id << " \"" << r.key->name << "\" was revoked at "
                << utc(*r.key->revoked_at) << "\n";
            return 0;
        case ApiKeyStore::Revoked::not_found:
            break;
    }
    err << "huitou: no live key with the id or name \"" << which_ << "\" (huitou apikey list)\n";
    return 3;
}

}  // namespace huitou
