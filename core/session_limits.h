// session_limits.h — when a console session ends.
//
// A session ends after `idle` without a request (console.session_idle_minutes,
// default 30: a phone left on the counter) and, however busy, `lifetime`
// after it began (console.session_max_hours, default 12: one working day, so
// a stolen cookie does not last). Both are checked against the injected
// clock on every request (io/account_store.h), so a test moves time instead
// of waiting; Redis's EXPIRE only clears what nobody asks for again.
#pragma once

#include <chrono>

#include "core/clock.h"

namespace huitou {

struct SessionLimits {
    std::chrono::seconds idle{30 * 60};
    std::chrono::seconds lifetime{12 * 3600};
};

// The instant a session begun at `created` and last used at `seen` ends.
SysSeconds session_ends_at(SysSeconds created, SysSeconds seen, const SessionLimits& limits);

// Whether that session is still alive at `now`.
bool session_alive(SysSeconds created, SysSeconds seen, SysSeconds now,
                   const SessionLimits& limits);

}  // namespace huitou
