#include "core/wechat_fields.h"

#include <algorithm>

#include "core/utf8.h"

namespace huitou {

std::string_view wechat_field_type(std::string_view key) {
    while (!key.empty() && key.back() >= '0' && key.back() <= '9')
        key.remove_suffix(1);
    return key;
}

std::optional<std::size_t> wechat_field_limit(std::string_view type, std::string_view value) {
    if (type == "thing") return 20;
    if (type == "phrase") return 5;
    if (type == "symbol") return 5;
    if (type == "number" || type == "letter" || type == "character_string") return 32;
    if (type == "phone_number") return 17;
    if (type == "car_number") return 8;
    if (type == "name") {
        const bool ascii = std::all_of(value.begin(), value.end(),
                                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        return ascii ? 20 : 10;
    }
    return std::nullopt;
}

std::string fit_wechat_field(std::string_view key, std::string_view value) {
    value = trim(value);
    const auto limit = wechat_field_limit(wechat_field_type(key), value);
    std::u32string chars = decode_utf8(value);
    if (!limit || chars.size() <= *limit) return encode_utf8(chars);
    chars.resize(*limit);
    return encode_utf8(chars);
}

}  // namespace huitou
