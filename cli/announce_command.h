// announce_command.h — `huitou announce`: a store's announcements
// (core/announcement.h), made, listed, previewed and cancelled.
//
//   huitou announce create --store S --tags 历史小说[;乐高] [--match any|all]
//                          [--segments 重要价值|重要保持] [--template new_arrivals]
//                          --date D [--id ID] [--by NAME] [--json]
//   huitou announce list --store S [--json]
//   huitou announce preview --store S --id ID [--json]
//   huitou announce cancel --store S --id ID [--by NAME] [--json]
//
// `preview` is `huitou preview` of the announcement's date (the same reads,
// the same policy), narrowed to the announcement: who gets it on which
// channel, and every other member with the reason (not_in_audience,
// no_consent, opted_out, capped ...). `cancel` marks it cancelled and
// cancels its planned jobs (io/announcement_store.h).
//
// Exit statuses: 0 done; 2 a bad option or an unknown store; 3 no such
// announcement, or an id taken; 1 Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/announcement.h"
#include "io/program_setup.h"

namespace huitou {

class AnnounceCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when `announce` was given, else nullopt. Throws RedisError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    CLI::App* command_ = nullptr;
    CLI::App* create_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* preview_ = nullptr;
    CLI::App* cancel_ = nullptr;
    std::string store_;
    AnnouncementRequest request_;
    std::string id_;
    std::string by_ = "cli";
    bool json_ = false;
};

}  // namespace huitou
