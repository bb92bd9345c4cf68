// approve_command.h — `huitou approve`: approve a store's day without the
// console, for a shop with approve_before_send that works from a terminal.
//
//   huitou approve --store toyland --date 2027-09-15 --by boss [--except JOB ...]
//
// The same approval as the console's day page (scheduler/day_approval_view.h):
// every message of the day still planned is approved except those named by
// --except, which are cancelled ("not approved by <by>"). Only the store's
// today can be approved (its jobs exist once planned). A store without
// approve_before_send, another day, or an --except that is not a planned
// message of the day is exit status 2, and nothing is written.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class ApproveCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when the command was given, else nullopt.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& errors);

  private:
    CLI::App* command_ = nullptr;
    std::string store_, date_, by_;
    std::vector<std::string> except_;
};

}  // namespace huitou
