#include "core/session_limits.h"

#include <algorithm>

namespace huitou {

SysSeconds session_ends_at(SysSeconds created, SysSeconds seen, const SessionLimits& limits) {
    return std::min(seen + limits.idle, created + limits.lifetime);
}

bool session_alive(SysSeconds created, SysSeconds seen, SysSeconds now,
                   const SessionLimits& limits) {
    return now < session_ends_at(created, seen, limits);
}

}  // namespace huitou
