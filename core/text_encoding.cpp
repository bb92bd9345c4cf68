#include "core/text_encoding.h"

#include <memory>

#include <unicode/ucnv.h>

namespace huitou {

void Utf8Scan::feed(std::string_view bytes) {
    if (problem_) return;
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (needed_ > 0) {
            if (c < low_ || c > high_) {
                // The sequence broke off: the lead byte is where a person looks.
                problem_ = EncodingProblem{sequence_start_, sequence_line_};
                return;
            }
            low_ = 0x80;
            high_ = 0xBF;
            --needed_;
        } else if (c >= 0x80) {
            sequence_start_ = offset_;
            sequence_line_ = line_;
            // RFC 3629's table: the second byte's range depends on the lead.
            if (c >= 0xC2 && c <= 0xDF) {
                needed_ = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                needed_ = 2;
                if (c == 0xE0) low_ = 0xA0;   // no overlongs
                if (c == 0xED) high_ = 0x9F;  // no surrogates
            } else if (c >= 0xF0 && c <= 0xF4) {
                needed_ = 3;
                if (c == 0xF0) low_ = 0x90;   // no overlongs
                if (c == 0xF4) high_ = 0x8F;  // nothing past U+10FFFF
            } else {
                problem_ = EncodingProblem{offset_, line_};
                return;
            }
        } else if (c == '\n') {
            ++line_;
        }
        ++offset_;
    }
}

void Utf8Scan::finish() {
    if (!problem_ && needed_ > 0) problem_ = EncodingProblem{sequence_start_, sequence_line_};
}

bool starts_with_utf16_bom(std::string_view bytes) {
    return bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF");
}

std::optional<std::string> gb18030_to_utf8(std::string_view bytes, EncodingProblem* problem) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UConverter, decltype(&ucnv_close)> gb(ucnv_open("GB18030", &status),
                                                          &ucnv_close);
    std::unique_ptr<UConverter, decltype(&ucnv_close)> utf8(ucnv_open("UTF-8", &status),
                                                            &ucnv_close);
    if (U_FAILURE(status)) return std::nullopt;
    // Stop at the first byte that is not GB18030 instead of writing U+FFFD:
    // a guessed encoding that needs substitutes is the wrong guess.
    ucnv_setToUCallBack(gb.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    std::string out(bytes.size() * 2 + 16, '\0');  // a GBK character grows to at most 2x
    char* target = out.data();
    const char* source = bytes.data();
    ucnv_convertEx(utf8.get(), gb.get(), &target, out.data() + out.size(), &source,
                   bytes.data() + bytes.size(), nullptr, nullptr, nullptr, nullptr, true, true,
                   &status);
    if (U_FAILURE(status)) {
        if (problem) {
            // ICU has consumed the bad sequence; point at where it began.
            char errors[8];
            int8_t length = sizeof errors;
            UErrorCode ignored = U_ZERO_ERROR;
            ucnv_getInvalidChars(gb.get(), errors, &length, &ignored);
            const auto consumed = static_cast<std::size_t>(source - bytes.data());
            problem->offset = consumed - static_cast<std::size_t>(length > 0 ? length : 0);
            problem->line = 1;
            for (std::size_t i = 0; i < problem->offset; ++i)
                problem->line += bytes[i] == '\n';
        }
        return std::nullopt;
    }
    out.resize(static_cast<std::size_t>(target - out.data()));
    return out;
}

}  // namespace huitou
