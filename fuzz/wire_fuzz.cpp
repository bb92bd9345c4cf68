// Fuzzes the wire decoders. The input is split into frames at 0xFF bytes.
// Whatever decodes must encode and decode again to the same message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> frames(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0xFF) frames.emplace_back();
        else frames.back().push_back(static_cast<char>(data[i]));
    }
    // Let the fuzzer reach the JSON decoding with a valid tag.
    if (!frames.empty() && frames[0] == "j") frames[0] = std::string(huitou::job_tag);
    if (!frames.empty() && frames[0] == "r") frames[0] = std::string(huitou::result_tag);
    const std::vector<std::string_view> views(frames.begin(), frames.end());
    if (auto job = huitou::decode_job(views); job.message) {
        const auto again = huitou::encode(*job.message);
        const auto back = huitou::decode_job(std::vector<std::string_view>(again.begin(), again.end()));
        if (!back.message || !(*back.message == *job.message)) __builtin_trap();
    }
    if (auto result = huitou::decode_result(views); result.message) {
        const auto again = huitou::encode(*result.message);
        const auto back = huitou::decode_result(std::vector<std::string_view>(again.begin(), again.end()));
        if (!back.message || !(*back.message == *result.message)) __builtin_trap();
    }
    return 0;
}
