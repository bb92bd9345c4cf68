// apikey_commands.h — `huitou apikey`: the API keys programs use on /api/v1.
//
//   huitou apikey add NAME (--store S [--store S2 ...] | --all) --scope read|write
//   huitou apikey list [--json]
//   huitou apikey revoke ID|NAME
//
// `add` prints the key alone on stdout — the only time it exists outside the
// caller's hands: Redis keeps its SHA-256 (io/api_key_store.h) — and on
// stderr what was made and that the key will not be shown again. `list`
// never shows a key or its hash: id, name, scope, stores, when made and when
// revoked. `revoke` takes the id or the name; the key is refused from the
// next request on. Stores must be stores of the config.
//
// Exit statuses: 0 done (revoking a revoked key too); 2 bad input, the
// message naming the option (a bad name, an unknown store, neither --store
// nor --all, a name a live key has); 3 no key with that id or name; 1 Redis
// failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class ApiKeyCommands {
  public:
    void add_to(CLI::App& app);
    // The exit status when an `apikey` command was given, else nullopt.
    // Throws ConfigError (exit 2) and RedisError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    int add(const Runtime& rt, std::ostream& out, std::ostream& err);
    int list(const Runtime& rt, std::ostream& out);
    int revoke(const Runtime& rt, std::ostream& out, std::ostream& err);

    CLI::App* add_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* revoke_ = nullptr;
    std::string name_, scope_, which_;
    std::vector<std::string> stores_;
    bool all_ = false, json_ = false;
};

}  // namespace huitou
