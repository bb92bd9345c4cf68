// reshard_command.h — `huitou reshard`: a store cut into another number of
// shards (docs/architecture.md, "huitou reshard"; docs/operations.md,
// "Resharding a store").
//
//   huitou reshard --store S --shards K2 [--abort] [--batch N]
//   huitou reshard --store S --fingerprint [--layout K]
//
// Runs io/reshard.h to the end: drains the store (nothing planned or claimed
// for it), copies it into the K2 layout with its doors parking or answering
// 503, proves the copy by the fingerprint, switches, replays what was parked,
// and cleans the old layout up — printing each step, and where each new
// shard's slot is (on a cluster: on which master). Killed anywhere, the same
// command resumes. --abort before the switch puts the store back as it was.
// --fingerprint prints a layout's fingerprint family by family and writes
// nothing (K: the record's, or --layout).
// HUITOU_RESHARD_STOP_AT=<step> (tests) stops after that step or after the
// first batch of a copy pass ("copy:sheets", "copy:keys", "copy:rebuild").
//
// --shards must be the store's `shards` in the config: the config says what
// is meant, the command does it (check-config warns while they differ).
// Exit statuses: 0 done (or aborted, or a fingerprint printed); 2 usage (an
// unknown store, --shards unlike the config's `shards`); 3 refused, or
// stopped because the copy differs; 4 stopped by HUITOU_RESHARD_STOP_AT;
// 1 Redis failed or data it cannot copy (named).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class ReshardCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when `reshard` was given, else nullopt.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    CLI::App* command_ = nullptr;
    std::string store_;
    int shards_ = 0;
    int layout_ = 0;
    int batch_ = 500;
    bool abort_ = false;
    bool fingerprint_ = false;
};

}  // namespace huitou
