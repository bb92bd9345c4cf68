// Fuzzes what a point-of-sale system can send: the visit message decoder
// (frames split at 0xFF bytes; a first frame "v" becomes the visit tag) and
// the checks every visit goes through. Whatever decodes must encode and
// decode again to the same input; whatever is accepted must be consistent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/visit_wire.h"

namespace {
const huitou::Config& config() {
    static const huitou::Config c = huitou::parse_config(
        "[stores.toyland]\nname = \"T\"\n[stores.la]\nname = \"L\"\n"
        "timezone = \"America/Los_Angeles\"\n",
        "fuzz.toml");
    return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> frames(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0xFF)
            frames.emplace_back();
        else
            frames.back().push_back(static_cast<char>(data[i]));
    }
    if (!frames.empty() && frames[0] == "v") frames[0] = std::string(huitou::visit_tag);
    const std::vector<std::string_view> views(frames.begin(), frames.end());
    const auto now = *huitou::parse_instant("2027-09-15T12:00:00+08:00");
    // Raw text through the time and amount parsers.
    (void)huitou::parse_visit_time(frames.back(), config().find_store("la")->zone);
    if (const auto cents = huitou::parse_amount(frames.back())) {
        if (huitou::parse_amount(huitou::format_amount(*cents)) != cents) __builtin_trap();
    }
    const auto decoded = huitou::decode_visit(views);
    if (!decoded.message) return 0;
    const auto again = huitou::encode_visit(*decoded.message);
    const auto back =
        huitou::decode_visit(std::vector<std::string_view>(again.begin(), again.end()));
    if (!back.message || back.message->store != decoded.message->store ||
        back.message->member_id != decoded.message->member_id ||
        back.message->visited_at != decoded.message->visited_at ||
        back.message->amount != decoded.message->amount ||
        back.message->visit_id != decoded.message->visit_id) {
        __builtin_trap();
    }
    const auto checked = huitou::make_visit(*decoded.message, config(), now);
    if (checked.visit) {
        const auto* store = config().find_store(checked.visit->store);
        if (!store || checked.visit->key.empty() ||
            checked.visit->day != huitou::local_date(checked.visit->at, store->zone) ||
            checked.visit->at > now + std::chrono::days{1}) {
            __builtin_trap();
        }
    } else if (checked.error.empty()) {
        __builtin_trap();
    }
    return 0;
}
