// text_encoding.h — is an imported file UTF-8, and if not, can it be read?
//
// Shops' member lists often come from Excel on a Chinese Windows, which saves
// "CSV" in the ANSI code page: GBK. Read as UTF-8 such a file fails on its
// first Chinese name. So the importer scans the whole file first
// (Utf8Scan, streaming, a few hundred MB/s), and only when the scan finds a
// byte that is not UTF-8 does it try GB18030 — the superset of GBK and
// GB2312 — through ICU. A file that is neither is refused, naming the line
// and byte offset of the first bad byte, so the person can find it.
//
// Deliberately no statistical detection (ICU's ucsdet): valid UTF-8 is
// unambiguous, and for the rest GB18030 is the only encoding our users'
// tools produce besides UTF-8. UTF-16 (Excel's "Unicode text") is named
// in the refusal, not converted: it is tab-separated, not CSV.
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace huitou {

// Where a byte stream stops being what it should be.
struct EncodingProblem {
    std::size_t offset = 0;  // 0-based byte offset of the first bad byte
    std::size_t line = 1;    // 1-based line it is on
};

// Checks UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past
// U+10FFFF) over a stream fed in chunks of any size; a sequence may span
// chunks.
class Utf8Scan {
  public:
    void feed(std::string_view bytes);
    // The first problem, once seen; after finish() also a sequence cut off
    // by the end of the input.
    const std::optional<EncodingProblem>& problem() const { return problem_; }
    void finish();

  private:
    std::optional<EncodingProblem> problem_;
    std::size_t offset_ = 0;
    std::size_t line_ = 1;
    std::size_t sequence_start_ = 0;  // offset of the lead byte being continued
    std::size_t sequence_line_ = 1;
    int needed_ = 0;                          // continuation bytes still expected
    unsigned char low_ = 0x80, high_ = 0xBF;  // bounds of the next continuation byte
};

// True when `bytes` start with a UTF-16 byte order mark.
bool starts_with_utf16_bom(std::string_view bytes);

// `bytes` decoded as GB18030 and written as UTF-8; nullopt with the first
// undecodable byte in `problem` when they are not GB18030.
std::optional<std::string> gb18030_to_utf8(std::string_view bytes,
                                           EncodingProblem* problem = nullptr);

// The file at `path` as UTF-8, for the member and the visit import alike. A
// UTF-8 file is scanned once and then streamed from disk; a GBK (GB18030)
// file is converted in memory — such files come from Excel, a few MB at
// most — with a note on `notes`, so the person knows it was guessed.
// Throws ConfigError (core/config.h) for a file that cannot be opened, a
// UTF-16 file, and one in neither encoding (naming the line and byte offset
// of the first bad byte).
std::unique_ptr<std::istream> open_as_utf8(const std::string& path, std::ostream& notes);

}  // namespace huitou
