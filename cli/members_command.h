// members_command.h — `huitou members reindex`: the counter's search indexes
// (core/member_search.h) for members written before they existed.
//
//   huitou members reindex [--store S]
//
// Every member write keeps the name and phone indexes, and the openid's
// (o2:, for an opt-out naming only an openid); members stored by an
// older version are in none until this has run once per store (without
// --store: every configured store). It reads the store's members through the
// birthday partition (no keyspace scan) and adds their entries; running it
// again changes nothing, and it may run while the scheduler does
// (io/member_finder.h). Prints the members read per store.
//
// Exit statuses: 0 done; 2 an unknown store; 1 Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "io/program_setup.h"

namespace huitou {

class MembersCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when `members reindex` was given, else nullopt.
    // Throws RedisError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    CLI::App* reindex_ = nullptr;
    std::string store_;
};

}  // namespace huitou
