// progress_bar.h — a progress line on stderr while a long import runs.
//
// Only for a person watching: the caller enables it when stderr is a
// terminal (stderr_is_terminal) and neither --quiet nor --json was given, so
// scripts and tests that read stderr see exactly what they saw before. It
// redraws one line in place ("\r…\x1b[K") at most ten times a second, with
// rows done, the share of the file read, the rate and the ETA
// (core/progress_meter.h does the arithmetic). The clock and the stream
// position are looked at once every 256 rows, so a disabled or an enabled
// bar costs the import next to nothing.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>

#include "core/progress_meter.h"

namespace huitou {

class ProgressBar {
  public:
    // Draws on `out` only when `enabled`. `in` is the input being read; its
    // size is measured here (and the read position restored).
    ProgressBar(std::ostream& out, std::istream& in, bool enabled);
    ~ProgressBar();  // clears the line

    // One row done; now and then redraws.
    void row();
    // Clears the line, e.g. before a rejected row's message is written.
    void clear();

    static bool stderr_is_terminal();

  private:
    std::ostream& out_;
    std::istream& in_;
    std::optional<ProgressMeter> meter_;  // nullopt: disabled
    std::uint64_t rows_ = 0;
    bool shown_ = false;
};

}  // namespace huitou
