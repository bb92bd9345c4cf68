#include "core/text_encoding.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include <unicode/ucnv.h>

#include "core/config.h"

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

std::unique_ptr<std::istream> open_as_utf8(const std::string& path, std::ostream& notes) {
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) throw ConfigError(path + ": cannot open the file");
    Utf8Scan scan;
    std::string chunk(1 << 16, '\0');
    bool first = true;
    while (!scan.problem()) {
        file->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::size_t>(file->gcount());
        if (n == 0) break;
        const std::string_view bytes(chunk.data(), n);
        if (first && starts_with_utf16_bom(bytes)) {
            throw ConfigError(path +
                              ": the file is UTF-16 (Excel's \"Unicode text\"); save it as "
                              "\"CSV UTF-8\" instead");
        }
        first = false;
        scan.feed(bytes);
    }
    scan.finish();
    file->clear();
    file->seekg(0);
    if (!scan.problem()) return file;

    const auto where = *scan.problem();
    std::string bytes{std::istreambuf_iterator<char>(*file), std::istreambuf_iterator<char>()};
    EncodingProblem gb_problem;
    auto converted = gb18030_to_utf8(bytes, &gb_problem);
    if (!converted) {
        std::string detail;
        if (gb_problem.offset != where.offset) {
            detail = " (as GBK: line " + std::to_string(gb_problem.line) + ", byte offset " +
                     std::to_string(gb_problem.offset) + ")";
        }
        throw ConfigError(path + ": line " + std::to_string(where.line) + ", byte offset " +
                          std::to_string(where.offset) + ": not UTF-8, and not GBK/GB18030 either" +
                          detail + "; save the file as \"CSV UTF-8\"");
    }
    notes << "note: " << path << " is not UTF-8 (line " << where.line << ", byte offset "
          << where.offset << "); read it as GBK (GB18030) — check a few names after the import\n";
    return std::make_unique<std::istringstream>(std::move(*converted));
}

}  // namespace huitou
