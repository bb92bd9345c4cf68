// user_commands.h — `huitou user`: the console's accounts.
//
//   huitou user add NAME --role staff|owner (--store S | --stores a,b | --all)
//   huitou user list [--json]
//   huitou user disable NAME
//   huitou user enable NAME
//   huitou user passwd NAME
//
// Passwords are read from standard input, never from an argument (which
// `ps` and the shell's history would show): one line; on a terminal the
// command asks twice, without echo. A staff account has exactly one store
// (--store); an owner every store (--all) or a list; stores must be stores
// of the config. `disable` and `passwd` end the account's sessions at once;
// `enable` and `passwd` forget its wrong passwords (the way to let in an
// account slowed down by them). `list` never shows a hash.
//
// Exit statuses (docs/operations.md): 0 done; 2 bad input, the message
// naming what (a bad login name, role or store, a password the rules refuse
// or two that differ, a login that exists); 3 no account of that name; 1
// Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class UserCommands {
  public:
    void add_to(CLI::App& app);
    // The exit status when a `user` command was given, else nullopt; the
    // password is read from `in` (a terminal when `terminal`). Throws
    // ConfigError (exit 2) and RedisError.
    std::optional<int> run(const Runtime& rt, std::istream& in, bool terminal, std::ostream& out,
                           std::ostream& err);

  private:
    int add(const Runtime& rt, std::istream& in, bool terminal, std::ostream& err);
    int list(const Runtime& rt, std::ostream& out);
    int set_disabled(const Runtime& rt, bool disabled, std::ostream& out, std::ostream& err);
    int passwd(const Runtime& rt, std::istream& in, bool terminal, std::ostream& out,
               std::ostream& err);

    CLI::App* add_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* disable_ = nullptr;
    CLI::App* enable_ = nullptr;
    CLI::App* passwd_ = nullptr;
    std::string name_, role_, store_, stores_;
    bool all_ = false, json_ = false;
};

// Whether standard input is a terminal (then passwords are asked for).
bool stdin_is_terminal();

}  // namespace huitou
