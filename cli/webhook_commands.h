// webhook_commands.h — `huitou webhooks`: the endpoints that receive a
// store's events, their delivery log, and replays (docs/webhooks.md).
//
//   huitou webhooks add --url URL (--store S [--store S2 ...] | --all) [--events a,b]
//   huitou webhooks list [--json]
//   huitou webhooks remove ID
//   huitou webhooks log [--endpoint ID] [--store S] [--limit N] [--json]
//   huitou webhooks replay --endpoint ID --from T [--to T] [--store S]
//
// `add` prints the endpoint's id and its signing secret on stdout, one per
// line (`read -r ID SECRET` in a script, or `| tail -n1` for the secret),
// and on stderr what was registered, a warning for a plain http:// URL, and
// that the secret will not be shown again. `list` never shows secrets.
// `replay` asks the dispatcher to deliver again the kept events (7 days) of
// the endpoint's types recorded between T and T (RFC 3339; --to defaults to
// now), with their original ids.
//
// Exit statuses: 0 done; 2 bad input, the message naming the option (an
// unknown store or event, a refused URL, a bad time); 3 no such endpoint;
// 1 Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class WebhookCommands {
  public:
    void add_to(CLI::App& app);
    // The exit status when a `webhooks` command was given, else nullopt.
    // Throws ConfigError (exit 2) and RedisError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    int add(const Runtime& rt, std::ostream& out, std::ostream& err);
    int list(const Runtime& rt, std::ostream& out);
    int remove(const Runtime& rt, std::ostream& out, std::ostream& err);
    int log(const Runtime& rt, std::ostream& out, std::ostream& err);
    int replay(const Runtime& rt, std::ostream& out, std::ostream& err);

    CLI::App* add_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* remove_ = nullptr;
    CLI::App* log_ = nullptr;
    CLI::App* replay_ = nullptr;
    std::string url_, events_, id_, from_, to_;
    std::vector<std::string> stores_;
    bool all_ = false, json_ = false;
    std::size_t limit_ = 20;
};

}  // namespace huitou
