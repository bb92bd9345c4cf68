#include "core/sms_text.h"

#include <algorithm>

#include "core/utf8.h"

namespace huitou {

std::string compose_sms(std::string_view signature_name, std::string_view body,
                        std::string_view unsubscribe_suffix, SmsPurpose purpose) {
    std::string out = "【";
    out += signature_name;
    out += "】";
    out += body;
    if (purpose == SmsPurpose::marketing && !unsubscribe_suffix.empty() &&
        !body.ends_with(unsubscribe_suffix)) {
        out += unsubscribe_suffix;
    }
    return out;
}

// Counting, and where it comes from (pages read when this was written):
//  - Aliyun 短信发送规则 (help.aliyun.com/document_detail/44335.htm): length =
//    signature, with the 【】 the system adds, + content; ≤ 70 is one message,
//    > 70 is split 67 per part; 500 at most; for mainland SMS Chinese,
//    letters, digits and punctuation (full- or half-width) count 1 each.
//  - Tencent Billing Overview (tencentcloud.com/document/product/382/18052):
//    length = signature + body, 500 at most; a message with non-English
//    characters is one message up to 70, else billed 67 per part. Tencent
//    正文模板审核标准 (cloud.tencent.com/document/product/382/39023): total
//    length, signature and variable values included, at most 500.
//  - Tencent's notice of 2025-09-09 on global SMS length
//    (tencentcloud.com/announce/detail/100814): "certain emoji, rare Chinese
//    characters, and special symbols will be counted as 2 or more characters".
// Neither provider's mainland rules mention emoji. Counting UTF-16 units is
// what UCS-2 transport needs, and it never counts fewer than the providers
// do for the characters they list.
std::size_t sms_units(std::string_view text) {
    std::size_t units = 0;
    for (char32_t c : decode_utf8(text))
        units += c > 0xFFFF ? 2 : 1;
    return units;
}

std::size_t sms_parts_for_units(std::size_t units) {
    if (units == 0) return 0;
    if (units <= sms_single_units) return 1;
    return (units + sms_part_units - 1) / sms_part_units;
}

std::size_t sms_parts(std::string_view text) {
    return sms_parts_for_units(sms_units(text));
}

bool fits_sms_parts(std::string_view text, std::size_t max_parts) {
    return sms_parts(text) <= max_parts;
}

std::vector<std::string> banned_words_in(std::string_view text,
                                         std::span<const std::string> banned_words) {
    const std::u32string haystack = fold_width_and_case(decode_utf8(text));
    std::vector<std::string> hits;
    for (const std::string& word : banned_words) {
        if (word.empty()) continue;
        if (std::find(hits.begin(), hits.end(), word) != hits.end()) continue;
        // Searching code points, not bytes, so a folded needle lines up with
        // the folded text; UTF-8 alone would also never match mid-character.
        const std::u32string needle = fold_width_and_case(decode_utf8(word));
        if (haystack.find(needle) != std::u32string::npos) hits.push_back(word);
    }
    return hits;
}

std::size_t worst_case_units(std::size_t fixed_units, std::span<const VariableBound> variables) {
    std::size_t units = fixed_units;
    for (const VariableBound& v : variables)
        units += v.max_units;
    return units;
}

}  // namespace huitou
