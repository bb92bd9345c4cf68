#include "io/account_store.h"

#include <algorithm>
#include <cassert>

#include "core/api_key.h"
#include "core/login_throttle.h"
#include "core/separated_list.h"
#include "io/random_bytes.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"

namespace huitou {
namespace {

// Wrong passwords are remembered this long after the last one.
constexpr long long kFailureMemorySeconds = 3600;
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenChars = 52;  // base32 of 32 bytes

long long seconds(SysSeconds t) {
    return t.time_since_epoch().count();
}

std::string text(SysSeconds t) {
    return std::to_string(seconds(t));
}

// A time field; absent or damaged reads as the epoch (a session that old
// has ended; an account's times are only shown).
SysSeconds at(const FieldMap& f, const char* name) {
    const auto it = f.find(name);
    if (it == f.end()) return SysSeconds{};
    try {
        return SysSeconds(std::chrono::seconds(std::stoll(it->second)));
    } catch (const std::exception&) {
        return SysSeconds{};
    }
}

std::string field_of(const FieldMap& f, const char* name) {
    const auto it = f.find(name);
    return it == f.end() ? std::string() : it->second;
}

std::optional<AccountInfo> info_of(const std::string& login, const FieldMap& f) {
    if (f.empty()) return std::nullopt;
    AccountInfo a;
    a.login = login;
    // Damaged data reads as the narrower role.
    a.role = parse_account_role(field_of(f, "role")).value_or(AccountRole::staff);
    const auto stores = field_of(f, "stores");
    a.all_stores = stores == "*";
    if (!a.all_stores) a.stores = split_list(stores, ',');
    a.disabled = field_of(f, "disabled") == "1";
    a.created_at = at(f, "created_at");
    a.changed_at = at(f, "changed_at");
    if (f.contains("last_login_at")) a.last_login_at = at(f, "last_login_at");
    return a;
}

bool exec_applied(const std::vector<RedisReply>& replies, const char* what) {
    for (const auto& r : replies)
        r.expect_ok(what);
    for (const auto& r : replies.back().elements)
        r.expect_ok(what);
    return !replies.back().is_nil();
}

std::string new_token(const char* what) {
    return base32_lower(random_bytes(kTokenBytes, what));
}

bool is_token(std::string_view token) {
    return token.size() == kTokenChars &&
           token.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") == std::string_view::npos;
}

}  // namespace

Identity AccountInfo::identity() const {
    return account_identity(login, role, all_stores, stores);
}

bool AccountStore::add(const AccountInfo& account, const std::string& hash) {
    assert(check_login_name(account.login).empty());
    assert(check_account_stores(account.role, account.all_stores, account.stores).empty());
    const auto key = keys::account(account.login);
    // WATCH: a second `user add` of the same login at the same moment makes
    // EXEC apply nothing, and then the login exists.
    for (;;) {
        redis_.command({"WATCH", key}).expect_ok("WATCH");
        const auto exists = redis_.command({"EXISTS", key});
        exists.expect_ok("EXISTS account");
        if (exists.integer == 1) {
            redis_.command({"UNWATCH"});
            return false;
        }
        const auto replies = redis_.pipeline(
            {{"MULTI"},
             {"HSET", key, "role", std::string(to_string(account.role)), "stores",
              account.all_stores ? std::string("*") : join_list(account.stores, ','), "hash", hash,
              "created_at", text(account.created_at), "changed_at", text(account.created_at)},
             {"SADD", keys::account_logins(), account.login},
             {"EXEC"}});
        if (exec_applied(replies, "add account")) return true;
    }
}

std::optional<AccountInfo> AccountStore::get(const std::string& login) {
    const auto reply = redis_.command({"HGETALL", keys::account(login)});
    reply.expect_ok("HGETALL account");
    return info_of(login, field_map(reply));
}

std::vector<AccountInfo> AccountStore::list() {
    const auto logins = redis_.command({"SMEMBERS", keys::account_logins()});
    logins.expect_ok("SMEMBERS accounts");
    std::vector<RedisCommand> reads;
    for (const auto& login : logins.elements)
        reads.push_back({"HGETALL", keys::account(login.str)});
    if (reads.empty()) return {};
    const auto replies = redis_.pipeline(reads);
    std::vector<AccountInfo> out;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        replies[i].expect_ok("HGETALL account");
        if (auto a = info_of(logins.elements[i].str, field_map(replies[i]))) out.push_back(*a);
    }
    std::sort(out.begin(), out.end(),
              [](const AccountInfo& a, const AccountInfo& b) { return a.login < b.login; });
    return out;
}

AccountStore::Changed AccountStore::set_disabled(const std::string& login, bool disabled,
                                                 SysSeconds now) {
    if (!get(login)) return Changed::not_found;
    const auto key = keys::account(login);
    if (disabled) {
        redis_.command({"HSET", key, "disabled", "1", "changed_at", text(now)})
            .expect_ok("HSET account disabled");
        end_sessions(login);
    } else {
        for (const auto& r : redis_.pipeline({{"HDEL", key, "disabled"},
                                              {"HSET", key, "changed_at", text(now)},
                                              {"DEL", keys::account_failures(login)}}))
            r.expect_ok("enable account");
    }
    return Changed::done;
}

AccountStore::Changed AccountStore::set_password(const std::string& login, const std::string& hash,
                                                 SysSeconds now) {
    if (!get(login)) return Changed::not_found;
    const auto replies =
        redis_.pipeline({{"HSET", keys::account(login), "hash", hash, "changed_at", text(now)},
                         {"DEL", keys::account_failures(login)}});
    for (const auto& r : replies)
        r.expect_ok("set password");
    end_sessions(login);
    return Changed::done;
}

LoginState AccountStore::login_state(const std::string& login) {
    const auto replies = redis_.pipeline(
        {{"HGETALL", keys::account(login)}, {"HGETALL", keys::account_failures(login)}});
    replies[0].expect_ok("HGETALL account");
    replies[1].expect_ok("HGETALL login failures");
    LoginState s;
    const auto account = field_map(replies[0]);
    s.account = info_of(login, account);
    if (s.account) s.hash = field_of(account, "hash");
    const auto failures = field_map(replies[1]);
    try {
        s.failures = std::stoi(field_of(failures, "failures"));
    } catch (const std::exception&) {
        s.failures = 0;
    }
    s.wait_until = at(failures, "wait_until");
    return s;
}

SysSeconds AccountStore::record_failure(const std::string& login, SysSeconds now) {
    const auto key = keys::account_failures(login);
    const auto count = redis_.command({"HINCRBY", key, "failures", "1"});
    count.expect_ok("HINCRBY login failures");
    const auto until = login_wait_until(static_cast<int>(count.integer), now);
    redis_
        .pipeline({{"HSET", key, "wait_until", text(until)},
                   {"EXPIRE", key, std::to_string(kFailureMemorySeconds)}})
        .back()
        .expect_ok("EXPIRE login failures");
    return until;
}

void AccountStore::record_success(const std::string& login, SysSeconds now,
                                  const std::string& new_hash) {
    std::vector<RedisCommand> writes{{"DEL", keys::account_failures(login)},
                                     {"HSET", keys::account(login), "last_login_at", text(now)}};
    if (!new_hash.empty()) writes.push_back({"HSET", keys::account(login), "hash", new_hash});
    for (const auto& r : redis_.pipeline(writes))
        r.expect_ok("record login");
}

OpenedSession AccountStore::open_session(const std::string& login, SysSeconds now,
                                         const SessionLimits& limits) {
    OpenedSession s{new_token("a session token"), new_token("a CSRF token")};
    const auto digest = api_key_digest(s.token);
    const auto ttl = (session_ends_at(now, now, limits) - now).count();
    // Digests of sessions that ended by themselves (EXPIRE) stay in the
    // login's set until here: drop them, so the set stays small.
    const auto known = redis_.command({"SMEMBERS", keys::account_sessions(login)});
    known.expect_ok("SMEMBERS account sessions");
    std::vector<RedisCommand> writes{{"HSET", keys::session(digest), "login", login, "csrf", s.csrf,
                                      "created_at", text(now), "seen_at", text(now)},
                                     {"EXPIRE", keys::session(digest), std::to_string(ttl)},
                                     {"SADD", keys::account_sessions(login), digest}};
    for (const auto& d : known.elements) {
        const auto exists = redis_.command({"EXISTS", keys::session(d.str)});
        if (exists.integer == 0) writes.push_back({"SREM", keys::account_sessions(login), d.str});
    }
    for (const auto& r : redis_.pipeline(writes))
        r.expect_ok("open session");
    return s;
}

std::optional<ConsoleSession> AccountStore::find_session(std::string_view token, SysSeconds now,
                                                         const SessionLimits& limits) {
    if (!is_token(token)) return std::nullopt;
    const auto digest = api_key_digest(token);
    const auto key = keys::session(digest);
    const auto reply = redis_.command({"HGETALL", key});
    reply.expect_ok("HGETALL session");
    const auto s = field_map(reply);
    if (s.empty()) return std::nullopt;
    const auto login = field_of(s, "login");
    const auto created = at(s, "created_at");
    const auto account = get(login);
    if (!account || account->disabled || !session_alive(created, at(s, "seen_at"), now, limits)) {
        redis_.pipeline({{"DEL", key}, {"SREM", keys::account_sessions(login), digest}});
        return std::nullopt;
    }
    const auto ttl = (session_ends_at(created, now, limits) - now).count();
    for (const auto& r : redis_.pipeline(
             {{"HSET", key, "seen_at", text(now)}, {"EXPIRE", key, std::to_string(ttl)}}))
        r.expect_ok("touch session");
    return ConsoleSession{account->identity(), field_of(s, "csrf")};
}

void AccountStore::close_session(std::string_view token) {
    if (!is_token(token)) return;
    const auto digest = api_key_digest(token);
    const auto login = redis_.command({"HGET", keys::session(digest), "login"});
    login.expect_ok("HGET session");
    std::vector<RedisCommand> writes{{"DEL", keys::session(digest)}};
    if (!login.is_nil()) writes.push_back({"SREM", keys::account_sessions(login.str), digest});
    for (const auto& r : redis_.pipeline(writes))
        r.expect_ok("close session");
}

std::size_t AccountStore::end_sessions(const std::string& login) {
    const auto known = redis_.command({"SMEMBERS", keys::account_sessions(login)});
    known.expect_ok("SMEMBERS account sessions");
    std::vector<RedisCommand> writes{{"DEL", keys::account_sessions(login)}};
    for (const auto& d : known.elements)
        writes.push_back({"DEL", keys::session(d.str)});
    std::size_t ended = 0;
    const auto replies = redis_.pipeline(writes);
    for (std::size_t i = 1; i < replies.size(); ++i)
        ended += static_cast<std::size_t>(replies[i].expect_ok("end sessions").integer);
    return ended;
}

std::optional<ConsoleSession> AccountSessionChecker::operator()(std::string_view token) {
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        return AccountStore(*redis_).find_session(token, clock_.now(), limits_);
    } catch (const RedisError&) {
        redis_.reset();  // connect again on the next request
        throw;
    }
}

}  // namespace huitou
