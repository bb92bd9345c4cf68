// segments_command.h — `huitou segments`: a store's members by value segment
// (core/value_segment.h), and the thresholds they were scored against.
//
//   huitou segments --store S [--json] [--recompute]
//
// Reads the store's run (io/segment_store.h: hu:{S}:seg): the day of its
// thresholds, the period, R/F/M thresholds and how many members they were
// taken over, the members now in each segment (scored against those
// thresholds: the nightly run's, with the visits since), and how many with
// visits had none in the period at the last run. It counts nothing itself:
// the counts are kept as segments are written. --recompute runs the day's
// computation now (what the scheduler does each night), then prints.
//
// Exit statuses: 0 shown; 2 an unknown store; 3 never computed (nothing to
// show); 1 Redis failed (main).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/member.h"
#include "io/program_setup.h"

namespace huitou {

class SegmentsCommand {
  public:
    void add_to(CLI::App& app);
    // The exit status when `segments` was given, else nullopt. Throws RedisError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& err);

  private:
    CLI::App* command_ = nullptr;
    std::string store_;
    bool json_ = false;
    bool recompute_ = false;
};

// A member's segment in a line, for `huitou member`: "重要价值 (R 12 days,
// F 5 visits, M 480.00; thresholds of 2027-03-01)", or "none ...".
std::string segment_words(const Member& m);

}  // namespace huitou
