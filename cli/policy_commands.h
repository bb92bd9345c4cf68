// policy_commands.h — the delivery policy's commands of the `huitou` tool:
//
//   huitou consent MEMBER [--store S] [--json]      a member's consent per channel, and why
//   huitou consent MEMBER --store S --channel sms --opt-out|--opt-in
//                 [--source counter] [--note TEXT]  record one (a shop assistant at the counter)
//   huitou preview --date D [--store S] [--json]    what a day sends, and why not the rest
//
// `consent` shows the member's ledger events (core/consent.h: found by
// scanning the store's ledger) and records events through ConsentStore, the
// same path the SMS worker and POST /api/consent take.
//
// `preview` prints scheduler/day_preview.h's answer (read only), as a table
// or as the same JSON GET /api/preview serves.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "core/job.h"
#include "core/message_template.h"
#include "io/program_setup.h"
#include "io/redis_connection.h"
#include "scheduler/day_preview.h"

namespace huitou {

// As a table for people, or as JSON.
void print_preview(const std::vector<StorePreview>& previews, const Config& config, bool json,
                   std::ostream& out);

class PolicyCommands {
  public:
    void add_to(CLI::App& app);

    // Runs the chosen subcommand and returns its exit status, or nullopt when
    // none of these was chosen. Throws RedisError and ConfigError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& errors);

  private:
    int run_consent(const Runtime& rt, std::ostream& out, std::ostream& errors);
    int run_preview(const Runtime& rt, std::ostream& out, std::ostream& errors);

    CLI::App* consent_ = nullptr;
    CLI::App* preview_ = nullptr;
    std::string member_, store_, channel_, source_ = "counter", note_, date_;
    bool opt_in_ = false, opt_out_ = false, json_ = false, consent_json_ = false;
};

}  // namespace huitou
