// account_store.h — the console's accounts and sessions in Redis.
//
// Accounts are few (people of one shop or chain), so they live under one
// hash tag, {accounts}, in one Redis Cluster slot (keys in io/redis_keys.h):
// a hash per login (role, stores, the Argon2id hash of the password from
// io/password_hash.h, disabled, times) and a set of logins. Wrong passwords
// in a row are counted in a key of their own, hu:{accounts}:f:<login>, kept
// one hour after the last failure — for names that exist and names that do
// not alike, so a slowed-down answer (core/login_throttle.h) does not tell a
// guesser which names exist.
//
// A session is a random 32-byte token (base32, 52 characters) that only the
// browser's cookie holds: Redis keeps its SHA-256 (core/api_key.h's digest,
// for the same reason as API keys: 256 random bits need no slow hash), the
// login, a random CSRF token and the times it began and was last used. Its
// end (core/session_limits.h: idle time, absolute lifetime) is checked
// against the injected clock on every request; an EXPIRE set to the same
// end clears what nobody asks for again. Every request reads the account
// too, so a disabled account or a changed role counts from the next
// request; disabling an account or changing its password also deletes its
// sessions.
//
// Not thread-safe (one RedisConnection); AccountSessionChecker is the
// admin server's shared, mutex-guarded lookup. Every method throws
// RedisError when Redis is away and RedisReplyError when it answers an error.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/account.h"
#include "core/clock.h"
#include "core/identity.h"
#include "core/session_limits.h"
#include "io/redis_connection.h"

namespace huitou {

// An account as listed: everything but the password's hash.
struct AccountInfo {
    std::string login;
    AccountRole role = AccountRole::staff;
    bool all_stores = false;
    std::vector<std::string> stores;  // when !all_stores
    bool disabled = false;
    SysSeconds created_at{};
    SysSeconds changed_at{};  // password, disabled or enabled
    std::optional<SysSeconds> last_login_at;

    // Who a session of this account is (core/account.h).
    Identity identity() const;
};

// What a login attempt finds before any password is checked.
struct LoginState {
    std::optional<AccountInfo> account;  // nullopt: no such login
    std::string hash;                    // the stored hash, "" without an account
    int failures = 0;                    // wrong passwords in a row
    SysSeconds wait_until{};             // no password is checked before
};

// A session just opened: the token for the cookie (never stored) and the
// CSRF token its forms carry.
struct OpenedSession {
    std::string token;
    std::string csrf;
};

class AccountStore {
  public:
    explicit AccountStore(RedisConnection& redis) : redis_(redis) {}

    // Adds `account` with the password hash `hash`. Preconditions (asserted):
    // the login passes check_login_name and the stores fit the role. False
    // when the login exists.
    bool add(const AccountInfo& account, const std::string& hash);

    // The account `login`, or nullopt.
    std::optional<AccountInfo> get(const std::string& login);
    // Every account, by login.
    std::vector<AccountInfo> list();

    enum class Changed { done, not_found };
    // Disables (ending its sessions) or enables (forgetting its wrong
    // passwords) the account.
    Changed set_disabled(const std::string& login, bool disabled, SysSeconds now);
    // Replaces the password's hash, ends the account's sessions and forgets
    // its wrong passwords.
    Changed set_password(const std::string& login, const std::string& hash, SysSeconds now);

    // The account, its hash and its wrong passwords in a row.
    LoginState login_state(const std::string& login);
    // Counts one more wrong password for `login` (known or not) at `now`;
    // returns until when the next attempt must wait (core/login_throttle.h).
    SysSeconds record_failure(const std::string& login, SysSeconds now);
    // A correct password: forgets the failures, notes the time; stores
    // `new_hash` instead of the old one when it is not empty (a rehash).
    void record_success(const std::string& login, SysSeconds now, const std::string& new_hash);

    // Opens a session for `login` at `now`.
    OpenedSession open_session(const std::string& login, SysSeconds now,
                               const SessionLimits& limits);
    // The live session of `token`, touched (last used = `now`), else
    // nullopt: unknown, malformed, past its end (then deleted), or its
    // account gone or disabled.
    std::optional<ConsoleSession> find_session(std::string_view token, SysSeconds now,
                                               const SessionLimits& limits);
    // Ends the session of `token` (nothing when there is none).
    void close_session(std::string_view token);
    // Ends every session of `login`; returns how many there were.
    std::size_t end_sessions(const std::string& login);

  private:
    RedisConnection& redis_;
};

// The lookup the admin server calls from its threads (AdminServer::
// SessionChecker): one Redis connection of its own, opened when first
// needed, one request at a time; time from `clock`. Throws what
// find_session throws; after a RedisError it connects again next time.
class AccountSessionChecker {
  public:
    // `clock` must outlive it.
    AccountSessionChecker(RedisEndpoint endpoint, const Clock& clock, SessionLimits limits)
        : endpoint_(std::move(endpoint)), clock_(clock), limits_(limits) {}
    std::optional<ConsoleSession> operator()(std::string_view token);

  private:
    RedisEndpoint endpoint_;
    const Clock& clock_;
    SessionLimits limits_;
    std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
};

}  // namespace huitou
