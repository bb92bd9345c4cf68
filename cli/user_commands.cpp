#include "cli/user_commands.h"

#include <termios.h>
#include <unistd.h>

#include <istream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/account.h"
#include "core/civil_time.h"
#include "core/separated_list.h"
#include "io/account_store.h"
#include "io/password_hash.h"

namespace huitou {
namespace {

std::string utc(SysSeconds t) {
    static const date::time_zone* zone = find_zone("UTC");
    return format_instant(t, zone);
}

std::string stores_text(const AccountInfo& a) {
    return a.all_stores ? std::string("*") : join_list(a.stores, ',');
}

nlohmann::json to_json(const AccountInfo& a) {
    return {{"login", a.login},
            {"role", std::string(to_string(a.role))},
            {"stores", a.all_stores ? nlohmann::json("*") : nlohmann::json(a.stores)},
            {"disabled", a.disabled},
            {"created_at", utc(a.created_at)},
            {"last_login_at", a.last_login_at ? nlohmann::json(utc(*a.last_login_at)) : nullptr}};
}

// Turns the terminal's echo off while alive.
class NoEcho {
  public:
    NoEcho() : saved_ok_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
        if (!saved_ok_) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    ~NoEcho() {
        if (saved_ok_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

  private:
    termios saved_{};
    bool saved_ok_;
};

// One line of `in` without its line end; ConfigError when there is none.
std::string read_line(std::istream& in) {
    std::string line;
    if (!std::getline(in, line)) throw ConfigError("standard input: no password (give one line)");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// The new password for `login`: asked twice on a terminal, else one line.
// Throws ConfigError when the rules refuse it or the two differ.
std::string read_password(const std::string& login, std::istream& in, bool terminal,
                          std::ostream& err) {
    std::string password;
    if (terminal) {
        NoEcho quiet;
        err << "Password for " << login << ": " << std::flush;
        password = read_line(in);
        err << "\nAgain: " << std::flush;
        const auto again = read_line(in);
        err << "\n";
        if (again != password) throw ConfigError("the two passwords differ; nothing changed");
    } else {
        password = read_line(in);
    }
    if (const auto why = check_password(password); !why.empty())
        throw ConfigError("password: " + why + "; nothing changed");
    return password;
}

void check_name(const std::string& name) {
    if (const auto why = check_login_name(name); !why.empty())
        throw ConfigError("login name \"" + name + "\": " + why);
}

}  // namespace

bool stdin_is_terminal() {
    return isatty(STDIN_FILENO) == 1;
}

void UserCommands::add_to(CLI::App& app) {
    auto* user =
        app.add_subcommand("user", "The console's accounts (add, list, disable, enable, passwd)");
    user->require_subcommand(1);

    add_ = user->add_subcommand("add", "Make an account; the password is read from stdin");
    add_->add_option("name", name_, "Login name: 1-32 of a-z 0-9 . _ -")->required();
    add_->add_option("--role", role_, "staff (one store) or owner")
        ->required()
        ->check(CLI::IsMember({"staff", "owner"}));
    auto* store = add_->add_option("--store", store_, "The one store of the account");
    auto* stores = add_->add_option("--stores", stores_, "An owner's stores: a,b,c");
    auto* all = add_->add_flag("--all", all_, "Every store, those added later too");
    store->excludes(stores)->excludes(all);
    stores->excludes(all);

    list_ = user->add_subcommand("list", "The accounts (never their passwords)");
    list_->add_flag("--json", json_,
                    "JSON: {\"users\": [{login, role, stores, disabled, last_login_at, ...}]}");

    disable_ = user->add_subcommand("disable", "Refuse the account and end its sessions");
    disable_->add_option("name", name_, "Login name")->required();
    enable_ = user->add_subcommand("enable", "Let a disabled account in again");
    enable_->add_option("name", name_, "Login name")->required();
    passwd_ = user->add_subcommand("passwd",
                                   "Set a new password (from stdin); ends the account's sessions");
    passwd_->add_option("name", name_, "Login name")->required();
}

std::optional<int> UserCommands::run(const Runtime& rt, std::istream& in, bool terminal,
                                     std::ostream& out, std::ostream& err) {
    if (add_ && *add_) return add(rt, in, terminal, err);
    if (list_ && *list_) return list(rt, out);
    if (disable_ && *disable_) return set_disabled(rt, true, out, err);
    if (enable_ && *enable_) return set_disabled(rt, false, out, err);
    if (passwd_ && *passwd_) return passwd(rt, in, terminal, out, err);
    return std::nullopt;
}

int UserCommands::add(const Runtime& rt, std::istream& in, bool terminal, std::ostream& err) {
    check_name(name_);
    const auto role = *parse_account_role(role_);
    AccountInfo account;
    account.login = name_;
    account.role = role;
    account.all_stores = all_;
    if (!store_.empty()) account.stores = {store_};
    if (!stores_.empty()) account.stores = split_list(stores_, ',');
    if (!all_ && account.stores.empty())
        throw ConfigError("--store, --stores or --all: say which stores the account sees");
    if (const auto why = check_account_stores(role, all_, account.stores); !why.empty())
        throw ConfigError("--role " + role_ + ": " + why + " (--store S)");
    for (const auto& s : account.stores) {
        if (!rt.config.find_store(s))
            throw ConfigError((stores_.empty() ? "--store " : "--stores: ") + s +
                              ": not a store in " + rt.config.origin);
    }
    RedisConnection redis(rt.redis);
    AccountStore accounts(redis);
    if (accounts.get(name_))  // before asking for a password in vain
        throw ConfigError("login name \"" + name_ + "\": an account has it");
    const auto password = read_password(name_, in, terminal, err);
    account.created_at = rt.clock->now();
    if (!accounts.add(account, hash_password(password)))
        throw ConfigError("login name \"" + name_ + "\": an account has it");
    err << "huitou: made " << role_ << " account \"" << name_ << "\" (stores "
        << stores_text(account) << ")\n";
    return 0;
}

int UserCommands::list(const Runtime& rt, std::ostream& out) {
    RedisConnection redis(rt.redis);
    const auto accounts = AccountStore(redis).list();
    if (json_) {
        auto all = nlohmann::json::array();
        for (const auto& a : accounts)
            all.push_back(to_json(a));
        out << nlohmann::json{{"users", all}}.dump(2) << "\n";
        return 0;
    }
    if (accounts.empty()) {
        out << "no accounts (huitou user add boss --role owner --all)\n";
        return 0;
    }
    for (const auto& a : accounts) {
        out << a.login << "  " << to_string(a.role) << "  " << stores_text(a) << "  "
            << (a.disabled ? "disabled" : "enabled") << "  last login "
            << (a.last_login_at ? utc(*a.last_login_at) : std::string("never")) << "\n";
    }
    return 0;
}

int UserCommands::set_disabled(const Runtime& rt, bool disabled, std::ostream& out,
                               std::ostream& err) {
    RedisConnection redis(rt.redis);
    const auto changed = AccountStore(redis).set_disabled(name_, disabled, rt.clock->now());
    if (changed == AccountStore::Changed::not_found) {
        err << "huitou: no account \"" << name_ << "\" (huitou user list)\n";
        return 3;
    }
    out << (disabled ? "disabled " : "enabled ") << name_ << "\n";
    return 0;
}

int UserCommands::passwd(const Runtime& rt, std::istream& in, bool terminal, std::ostream& out,
                         std::ostream& err) {
    RedisConnection redis(rt.redis);
    AccountStore accounts(redis);
    if (!accounts.get(name_)) {
        err << "huitou: no account \"" << name_ << "\" (huitou user list)\n";
        return 3;
    }
    const auto password = read_password(name_, in, terminal, err);
    if (accounts.set_password(name_, hash_password(password), rt.clock->now()) ==
        AccountStore::Changed::not_found) {
        err << "huitou: no account \"" << name_ << "\" (huitou user list)\n";
        return 3;
    }
    out << "changed the password of " << name_ << "; its sessions have ended\n";
    return 0;
}

}  // namespace huitou
