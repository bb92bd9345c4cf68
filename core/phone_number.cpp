#include "core/phone_number.h"

#include <atomic>
#include <memory>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace huitou {
namespace {

// What phone_number.h promises, the long way: Parse, IsValidNumber,
// GetNumberType, Format. `check_validity` false skips IsValidNumber, which
// for a number of a geographic region (China) is GetNumberType() != UNKNOWN
// — the same regular expressions run twice; phone_number_test holds the two
// ways to the same answers.
std::optional<std::string> normalize_with_libphonenumber(std::string_view raw, std::string* error,
                                                         std::string_view default_region,
                                                         bool check_validity = true) {
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
    if (text.starts_with("00")) text.replace(0, 2, "+");
    PhoneNumber number;
    if (util.Parse(text, std::string(default_region), &number) !=
        PhoneNumberUtil::NO_PARSING_ERROR) {
        return fail("is not a phone number");
    }
    if (check_validity && !util.IsValidNumber(number)) return fail("is not a valid number");
    const auto type = util.GetNumberType(number);
    if (type == PhoneNumberUtil::UNKNOWN) return fail("is not a valid number");
    if (type != PhoneNumberUtil::MOBILE && type != PhoneNumberUtil::FIXED_LINE_OR_MOBILE) {
        return fail("is not a mobile number");
    }
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    return e164;
}

// The 7-digit segments (号段, "138 0013") libphonenumber has called mobile,
// one bit each: 1,000,000 segments 1000000..1999999 in 125 KB.
class MobileSegments {
  public:
    static constexpr long kFirst = 1'000'000;
    static constexpr long kCount = 1'000'000;

    bool known_mobile(long segment) const {
        const auto i = static_cast<std::size_t>(segment - kFirst);
        return (bits_[i / 64].load(std::memory_order_relaxed) >> (i % 64)) & 1;
    }
    void learn_mobile(long segment) {
        const auto i = static_cast<std::size_t>(segment - kFirst);
        bits_[i / 64].fetch_or(std::uint64_t{1} << (i % 64), std::memory_order_relaxed);
    }

  private:
    std::unique_ptr<std::atomic<std::uint64_t>[]> bits_ {
        new std::atomic<std::uint64_t>[kCount / 64 + 1] {}
    };
};

MobileSegments& mobile_segments() {
    static MobileSegments segments;
    return segments;
}

// A Chinese mobile written "1XXXXXXXXXX" or "1XX XXXX XXXX" / "1XX-XXXX-XXXX"
// (how shops type them; 7 % of the benchmark's numbers), optionally after
// "+86" or "0086" and one space or dash: its 11 digits, else empty.
std::string cn_mobile_digits(std::string_view raw) {
    std::size_t prefix = raw.starts_with("+86") ? 3 : raw.starts_with("0086") ? 4 : 0;
    if (prefix > 0 && raw.size() > prefix && (raw[prefix] == ' ' || raw[prefix] == '-')) ++prefix;
    raw.remove_prefix(prefix);
    std::string digits;
    if (raw.size() == 13) {
        // Groups of 3, 4 and 4, the same separator twice.
        const char sep = raw[3];
        if ((sep != ' ' && sep != '-') || raw[8] != sep) return {};
        digits.append(raw.substr(0, 3)).append(raw.substr(4, 4)).append(raw.substr(9, 4));
    } else if (raw.size() == 11) {
        digits.assign(raw);
    } else {
        return {};
    }
    if (digits[0] != '1') return {};
    for (const char c : digits) {
        if (c < '0' || c > '9') return {};
    }
    return digits;
}

}  // namespace

std::optional<std::string> normalize_mobile(std::string_view raw, std::string* error,
                                            std::string_view default_region) {
    // The fast path: most numbers are 11 digits (plain or 3-4-4), and whether
    // libphonenumber calls such a number a valid mobile depends on its first
    // seven digits only (China's numbering plan allocates mobile numbers in
    // 7-digit segments). The first number of each segment asks
    // libphonenumber; later ones reuse a "mobile" answer. Anything else —
    // other regions, other shapes, numbers of segments not (yet) known as
    // mobile — always asks libphonenumber. phone_number_test holds the two
    // to the same answers on a large sample.
    const std::string digits = default_region == "CN" ? cn_mobile_digits(raw) : std::string{};
    if (digits.empty()) return normalize_with_libphonenumber(raw, error, default_region, false);
    long segment = 0;
    for (const char c : std::string_view(digits).substr(0, 7))
        segment = segment * 10 + (c - '0');
    if (mobile_segments().known_mobile(segment)) return "+86" + digits;
    auto e164 = normalize_with_libphonenumber(raw, error, default_region, false);
    // Learned only from an answer that is these very digits as a mobile.
    if (e164 && *e164 == "+86" + digits) mobile_segments().learn_mobile(segment);
    return e164;
}

std::optional<std::string> normalize_mobile_slowly(std::string_view raw, std::string* error,
                                                   std::string_view default_region) {
    return normalize_with_libphonenumber(raw, error, default_region);
}

std::string mask_phone(std::string_view e164) {
    std::string_view national = e164;
    if (national.starts_with("+86")) national.remove_prefix(3);
    if (national.size() < 7) return std::string(national.size(), '*');
    return std::string(national.substr(0, 3)) + "****" +
           std::string(national.substr(national.size() - 4));
}

}  // namespace huitou
