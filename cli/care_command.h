// care_command.h — `huitou care`: a store's care list of a day (the staff's
// calls to its most valuable members, core/care_rule.h), and the staff's
// marks on it from the command line.
//
//   huitou care --store S [--date D] [--json] [--build]
//   huitou care --store S [--date D] --mark MEMBER --as done|no_answer|stop
//               [--note TEXT] [--by NAME]
//
// Shows the list as built (io/care_store.h): rank, member, name, phone (whole:
// this is the operator's tool, next to Redis), segment, last visit, last
// contact, state and note, and the hours to call. --build builds the day's
// list now if it has none (the scheduler does it after the night's
// segments). --mark writes a mark as the console does.
//
// Exit statuses: 0 shown or marked; 2 bad options (an unknown store, a bad
// date or state, a member not on the list, a final mark); 3 the day has no
// list; 1 Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class CareCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when `care` was given, else nullopt. Throws RedisError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    CLI::App* command_ = nullptr;
    std::string store_;
    std::string date_;
    bool json_ = false;
    bool build_ = false;
    std::string mark_;
    std::string as_;
    std::string note_;
    std::string by_ = "cli";
};

}  // namespace huitou
