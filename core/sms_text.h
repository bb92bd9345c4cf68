// sms_text.h — what a Chinese SMS looks like, and how long the carriers say it is.
//
// A message is 【signature】 + body, and on marketing messages + the store's
// unsubscribe suffix (回T退订, 拒收请回复R), which is channel config rather
// than template text. Length counts as the message travels: UCS-2, one unit
// per BMP character of any script or width, two for one outside the BMP (an
// emoji, a rare 𠮷) — a UTF-16 surrogate pair. Up to 70 units is one message;
// longer is split into parts of 67; signature (brackets included) and suffix
// count. Sources for these rules are cited in sms_text.cpp.
// A template is checked when config loads: its worst-case rendered length
// against the store's part limit, its text against the provider's banned
// words. Not here: rendering templates, or other provider review rules
// (Tencent, for one, also rejects 【】 inside the body).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

inline constexpr std::size_t sms_single_units = 70;  // one message holds this many units
inline constexpr std::size_t sms_part_units = 67;    // each part of a long message

enum class SmsPurpose {
    notice,     // service notice (card expiry): no unsubscribe suffix
    marketing,  // greetings, festivals, win-back: consent and suffix required
};

// 【signature_name】 + body, + unsubscribe_suffix when `purpose` is marketing
// (not appended again if the body already ends with it). `signature_name` is
// the bare name ("童乐玩具"); the brackets are added here.
std::string compose_sms(std::string_view signature_name, std::string_view body,
                        std::string_view unsubscribe_suffix, SmsPurpose purpose);

// UCS-2 units of UTF-8 `text`: 1 per BMP code point, 2 per supplementary one;
// a malformed byte counts as one U+FFFD.
std::size_t sms_units(std::string_view text);

// Parts a message of `units` is billed and sent as: 0 for empty, 1 up to 70,
// else ceil(units / 67).
std::size_t sms_parts_for_units(std::size_t units);

// sms_parts_for_units(sms_units(text)).
std::size_t sms_parts(std::string_view text);

// Whether `text` goes out in at most `max_parts` parts.
bool fits_sms_parts(std::string_view text, std::size_t max_parts);

// Which of `banned_words` occur in `text`, in list order, each once. Matching
// ignores ASCII case and full-width/half-width form on both sides, so
// "ＫＴＶ" hits "ktv"; empty entries never hit.
std::vector<std::string> banned_words_in(std::string_view text,
                                         std::span<const std::string> banned_words);

// A template variable and the most UCS-2 units a value of it may take.
struct VariableBound {
    std::string name;
    std::size_t max_units = 0;
};

// Longest a message can render to: `fixed_units` (signature with brackets,
// the template's literal text, the suffix) plus every variable at its maximum.
// List a variable once per place it appears in the template.
std::size_t worst_case_units(std::size_t fixed_units, std::span<const VariableBound> variables);

}  // namespace huitou
