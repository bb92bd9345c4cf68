// progress_meter.h — the arithmetic of a progress line: rate, ETA, and when
// to draw again.
//
// A long import knows how many bytes of its file it has read and how many
// rows it has done; the rows in the whole file are unknown until the end
// (counting them would read the file twice). So the share done and the ETA
// come from bytes, the rate from rows:
//   "12,000 rows  43%  8,100 rows/s  ETA 0:04"
// Time is an argument (seconds since the start, and a steady instant for the
// throttle), so it is tested without sleeping. Drawing it — on a terminal,
// never into a pipe — is cli/progress_bar.h's business, not this file's.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace huitou {

// "0:07", "3:25", "1:02:03"; "--:--" when unknown (negative or not finite).
std::string format_eta(double seconds);

// "950", "12,000", "1,234,567".
std::string format_count(std::uint64_t n);

class ProgressMeter {
  public:
    using Instant = std::chrono::steady_clock::time_point;

    // `total_bytes`: the input's size, 0 when unknown; `start`: when work began.
    // `interval`: the least time between two drawings (10 a second by default).
    ProgressMeter(std::uint64_t total_bytes, Instant start,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(100));

    // Whether a line should be drawn at `now`; when true, it counts as drawn.
    bool due(Instant now);

    // The line for `rows` done after reading `bytes`, at `now`.
    std::string line(std::uint64_t rows, std::uint64_t bytes, Instant now) const;

    // Rows a second so far (0 before any time has passed).
    double rate(std::uint64_t rows, Instant now) const;
    // Seconds left by the bytes still to read, at the rate bytes went so far;
    // negative when it cannot be known yet.
    double eta_seconds(std::uint64_t bytes, Instant now) const;

  private:
    std::uint64_t total_;
    Instant start_;
    Instant last_drawn_;
    std::chrono::milliseconds interval_;
};

}  // namespace huitou
