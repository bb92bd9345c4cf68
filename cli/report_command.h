// report_command.h — `huitou report`: did the messages bring members back?
//
//   huitou report --store toyland --from 2027-09-01 --to 2027-09-30 [--json | --csv]
//                 [--by month]
//
// Per kind of message, the members messaged and those held out
// (core/holdout.h), how many of each came back within the kind's window,
// what they spent, the lift with its 95 % interval, and what the SMS cost
// (core/effect.h; docs/effect.md says how to read it). --json prints what
// GET /api/v1/stores/<S>/report answers; --csv one row per kind, for a
// spreadsheet. --by month: the same, month by month (a month's messages
// and the visits after them). A bad store or date is exit status 2.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/effect.h"
#include "io/program_setup.h"

namespace huitou {

class ReportCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when the command was given, else nullopt.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& errors);

  private:
    CLI::App* command_ = nullptr;
    std::string store_, from_, to_, by_;
    bool json_ = false, csv_ = false;
};

// The report as a person reads it, in Chinese.
void print_effect_report(const EffectReport& report, const StoreConfig& store, const Date& from,
                         const Date& to, std::ostream& out);

}  // namespace huitou
