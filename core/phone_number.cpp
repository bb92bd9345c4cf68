#include "core/phone_number.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace huitou {

std::optional<std::string> normalize_mobile(std::string_view raw, std::string* error,
                                            std::string_view default_region) {
    using i18n::phonenumbers::PhoneNumber;
    using i18n::phonenumbers::PhoneNumberUtil;
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    auto fail = [&](const std::string& why) -> std::optional<std::string> {
        if (error) *error = "phone \"" + std::string(raw) + "\" " + why;
        return std::nullopt;
    };
    if (raw.size() > 64) return fail("is too long");
    std::string text(raw);
    // "0086..." is how many Chinese systems export the international prefix.
    if (text.starts_with("00")) text = "+" + text.substr(2);
    PhoneNumber number;
    if (util.Parse(text, std::string(default_region), &number) !=
        PhoneNumberUtil::NO_PARSING_ERROR) {
        return fail("is not a phone number");
    }
    if (!util.IsValidNumber(number)) return fail("is not a valid number");
    const auto type = util.GetNumberType(number);
    if (type != PhoneNumberUtil::MOBILE && type != PhoneNumberUtil::FIXED_LINE_OR_MOBILE) {
        return fail("is not a mobile number");
    }
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    return e164;
}

std::string mask_phone(std::string_view e164) {
    std::string_view national = e164;
    if (national.starts_with("+86")) national.remove_prefix(3);
    if (national.size() < 7) return std::string(national.size(), '*');
    return std::string(national.substr(0, 3)) + "****" +
           std::string(national.substr(national.size() - 4));
}

}  // namespace huitou
