// identity.h — who is knocking at the admin server, and what they may touch.
//
// One server answers several kinds of caller: the operator with the admin
// token, programs with an API key (core/api_key.h), and later the console's
// people with an account (owner: all stores or a list; staff: one store).
// Each request is mapped to one Identity before any handler runs, and every
// rule about stores asks the Identity, never the credential: a handler does
// not care whether a key or a session cookie brought the caller.
//
// Stores are an explicit grant: `all_stores` or the ids in `stores`. An empty
// list means *no* store (a staff account whose store was removed, a
// default-constructed Identity), never "all": a forgotten field must not
// become full access. The scope is read (GET) or write (everything else).
//
// Deliberately not here: how a credential is checked (io/api_key_store.h,
// scheduler/admin_server.h), roles beyond read/write, per-route grants.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

enum class Scope { read, write };

// "read" / "write".
std::string_view to_string(Scope scope);
// "read" or "write", else nullopt.
std::optional<Scope> parse_scope(std::string_view text);

// What an identity may do to one store.
enum class StoreAccess {
    allowed,
    hidden,     // the store is not theirs: answer as if it did not exist (404)
    read_only,  // theirs, but the request writes and the scope is read (403)
};

struct Identity {
    enum class Kind {
        admin,    // the admin token, or anyone on loopback when no token is set
        api_key,  // a key from `huitou apikey add`
        account,  // a person of the console with a session (`huitou user add`)
        nobody,   // a console page asked without a session: no store, no write
    };

    Kind kind = Kind::api_key;
    std::string id;    // the key's public id, the account's login ("" for admin)
    std::string name;  // for logs and answers: "admin", the key's name
    bool all_stores = false;
    std::vector<std::string> stores;  // the stores granted when !all_stores
    Scope scope = Scope::read;
    std::string role;  // an account's: "owner" or "staff" ("" for the others)

    // The admin: every store, write.
    static Identity admin();
    // Not signed in: no store, read only.
    static Identity nobody();

    // Whether the identity's stores include `store` (configured or not).
    bool covers(std::string_view store) const;
    bool may_read(std::string_view store) const { return covers(store); }
    bool may_write(std::string_view store) const { return covers(store) && scope == Scope::write; }
    // may_read / may_write as one answer, for a request that reads or writes.
    StoreAccess access(std::string_view store, bool write) const;

    // "admin", "API key 3f7kq2ab (pos-sync)": who, for a log line.
    std::string describe() const;
};

// A signed-in console session (io/account_store.h): who, and the CSRF token
// its forms must carry.
struct ConsoleSession {
    Identity who;  // Kind::account
    std::string csrf;
};

}  // namespace huitou
