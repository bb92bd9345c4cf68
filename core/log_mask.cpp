#include "core/log_mask.h"

#include <algorithm>

#include "core/phone_number.h"

namespace huitou {

std::string mask_openid(std::string_view openid) {
    const bool ascii = std::all_of(openid.begin(), openid.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    // Under 12 characters the two ends would show most of it.
    if (!ascii || openid.size() < 12) return "****";
    return std::string(openid.substr(0, 4)) + "****" +
           std::string(openid.substr(openid.size() - 4));
}

std::string mask_recipient(Channel channel, std::string_view to) {
    return channel == Channel::sms ? mask_phone(to) : mask_openid(to);
}

}  // namespace huitou
