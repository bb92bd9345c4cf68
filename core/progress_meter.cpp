#include "core/progress_meter.h"

#include <cmath>

namespace huitou {

std::string format_eta(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const auto s = static_cast<long long>(std::llround(seconds));
    const auto two = [](long long n) { return (n < 10 ? "0" : "") + std::to_string(n); };
    if (s >= 3600) return std::to_string(s / 3600) + ":" + two(s / 60 % 60) + ":" + two(s % 60);
    return std::to_string(s / 60) + ":" + two(s % 60);
}

std::string format_count(std::uint64_t n) {
    std::string digits = std::to_string(n);
    for (auto i = static_cast<std::ptrdiff_t>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

ProgressMeter::ProgressMeter(std::uint64_t total_bytes, Instant start,
                             std::chrono::milliseconds interval)
    : total_(total_bytes), start_(start), last_drawn_(start), interval_(interval) {}

bool ProgressMeter::due(Instant now) {
    // The first drawing waits one interval too: a short import draws nothing.
    if (now - last_drawn_ < interval_) return false;
    last_drawn_ = now;
    return true;
}

double ProgressMeter::rate(std::uint64_t rows, Instant now) const {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    return elapsed > 0 ? static_cast<double>(rows) / elapsed : 0.0;
}

double ProgressMeter::eta_seconds(std::uint64_t bytes, Instant now) const {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (total_ == 0 || bytes == 0 || elapsed <= 0) return -1;
    if (bytes >= total_) return 0;
    return elapsed * static_cast<double>(total_ - bytes) / static_cast<double>(bytes);
}

std::string ProgressMeter::line(std::uint64_t rows, std::uint64_t bytes, Instant now) const {
    std::string out = format_count(rows) + " rows";
    if (total_ > 0) {
        const auto done = bytes >= total_ ? 100 : bytes * 100 / total_;
        out += "  " + std::to_string(done) + "%";
    }
    out +=
        "  " + format_count(static_cast<std::uint64_t>(std::llround(rate(rows, now)))) + " rows/s";
    if (total_ > 0) out += "  ETA " + format_eta(eta_seconds(bytes, now));
    return out;
}

}  // namespace huitou
