// job_commands.h — `huitou jobs` filters and `huitou dlq`, the failed jobs.
//
// `huitou jobs` alone prints counts by state (cli/main.cpp); with --state,
// --member or --date it lists the matching jobs, and --json prints either
// as JSON. `huitou dlq` lists the failed jobs — the dead letters — and
// `--retry ID` or `--all` puts them back in the due set as planned
// (io/job_listing.h). Recipients are masked (core/log_mask.h): these
// listings end up in tickets and chats. A store whose planned jobs are
// records of day sheets (layout 2, io/sheet_store.h) lists its records
// that have no hash too, their recipient "(written at dispatch)": it is
// the member's address when the job is claimed.
//
// Exit statuses: 0 done; 3 nothing matched, or a job could not be retried;
// 2 a bad option; 1 Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class JobCommands {
  public:
    // Adds the filters to the existing `jobs` subcommand, and `dlq`.
    void add_to(CLI::App& app, CLI::App* jobs);

    // Runs what was chosen on the command line; nullopt when neither a
    // filtered `jobs` nor `dlq` was (main then runs its own commands).
    // Throws RedisError.
    std::optional<int> run(const Runtime& rt, const std::string& store, std::ostream& out,
                           std::ostream& err);

  private:
    CLI::App* jobs_ = nullptr;
    CLI::App* dlq_ = nullptr;
    std::string state_, member_, date_, dlq_store_;
    bool json_ = false, dlq_json_ = false, all_ = false;
    std::vector<std::string> retry_;
};

}  // namespace huitou
