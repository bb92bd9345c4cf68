#include "core/local_path.h"

namespace huitou {

bool is_local_path(std::string_view next) {
    if (next.empty() || next.front() != '/') return false;
    if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return false;
    for (const unsigned char c : next)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

std::string local_path_or_root(std::string_view next) {
    return is_local_path(next) ? std::string(next) : std::string("/");
}

}  // namespace huitou
