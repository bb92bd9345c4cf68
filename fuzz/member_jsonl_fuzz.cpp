// Fuzzes the JSON Lines member import: each line of the input through the
// row checks. Any bytes must give a record or an error, never a crash, a
// hang or undefined behaviour; a record always has its key, and a field is
// never both set and cleared.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/member_row.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const huitou::MemberRowParser parser(
        [](std::string_view s) { return s == "toyland" || s == "babycare"; }, "toyland");
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const auto line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        const auto result = parser.parse_json(line);
        if (!result.record) {
            if (result.error.empty()) __builtin_trap();
            continue;
        }
        const auto& r = *result.record;
        if (r.id.empty() || (r.store != "toyland" && r.store != "babycare")) __builtin_trap();
        for (const auto& f : r.clear) {
            if (r.set.contains(f)) __builtin_trap();
        }
        for (const auto& w : result.warnings) {
            if (w.empty()) __builtin_trap();
        }
    }
    return 0;
}
