#include "cli/progress_bar.h"

#include <unistd.h>

#include <istream>
#include <ostream>

namespace huitou {

ProgressBar::ProgressBar(std::ostream& out, std::istream& in, bool enabled) : out_(out), in_(in) {
    if (!enabled) return;
    const auto here = in_.tellg();
    in_.seekg(0, std::ios::end);
    const auto end = in_.tellg();
    in_.seekg(here);
    const bool sized = here >= 0 && end >= here;
    if (!sized) in_.clear();
    meter_.emplace(sized ? static_cast<std::uint64_t>(end) : 0, std::chrono::steady_clock::now());
}

ProgressBar::~ProgressBar() {
    clear();
}

void ProgressBar::row() {
    ++rows_;
    if (!meter_ || rows_ % 256 != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (!meter_->due(now)) return;
    const auto at = in_.tellg();  // -1 once the end of the input is reached
    const auto bytes = at >= 0 ? static_cast<std::uint64_t>(at) : UINT64_MAX;
    out_ << "\r" << meter_->line(rows_, bytes, now) << "\x1b[K" << std::flush;
    shown_ = true;
}

void ProgressBar::clear() {
    if (!shown_) return;
    out_ << "\r\x1b[K" << std::flush;
    shown_ = false;
}

bool ProgressBar::stderr_is_terminal() {
    return isatty(STDERR_FILENO) == 1;
}

}  // namespace huitou
