// csv_reader.h — RFC 4180 CSV, read one record at a time.
//
// Member lists come out of Excel, POS systems and WeChat shop back ends:
// a UTF-8 BOM, Windows line ends, quoted fields holding commas, quotes ("")
// and line breaks. The reader streams (a million rows never sit in memory at
// once), and reports each record with the line it starts on, so an import can
// say "line 17: ..." about the row a person sees in their editor.
//
// A malformed record (text after a closing quote, a field over the size
// limit, a quoted field still open after a few lines or at the end of the
// file) comes back with `error` set and the line it started on, and reading
// resumes on the line after that one: one stray quote must not swallow the
// rows after it into a field. The bytes of a record that runs past its first
// line are kept until it closes, so they can be read again; a record spans
// at most `max_record_lines` lines, which bounds what is kept and re-read.
// Blank lines are skipped. Encoding is not checked here; the importer checks
// UTF-8.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace huitou {

struct CsvRecord {
    std::size_t line = 0;             // 1-based line on which the record starts
    std::vector<std::string> fields;  // as read, quotes removed
    std::string error;                // empty when the record is well formed
};

class CsvReader {
  public:
    // Reads from `in`, which must outlive the reader. A field longer than
    // `max_field_bytes`, or a record whose quoted fields run on for more than
    // `max_record_lines` lines (>= 1), makes its record an error.
    explicit CsvReader(std::istream& in, std::size_t max_field_bytes = 1 << 20,
                       std::size_t max_record_lines = kMaxRecordLines);

    // A quoted field may hold line breaks (an address, a note), but a few:
    // a record spans at most this many lines by default.
    static constexpr std::size_t kMaxRecordLines = 5;

    // The next record, or nullopt at the end of the input.
    std::optional<CsvRecord> next();

  private:
    int get();   // next byte or EOF, counting lines (and capturing, see below)
    int peek();  // next byte or EOF
    void skip_rest_of_line();
    // `record` with `why` as its error, the reader moved to the line after
    // the one the record started on.
    CsvRecord reject(CsvRecord record, std::string why);

    std::streambuf* buf_;
    std::size_t max_field_bytes_;
    std::size_t max_record_lines_;
    std::size_t line_ = 1;
    bool at_start_ = true;
    std::string replay_;          // bytes to read again before `buf_`'s
    std::size_t replay_pos_ = 0;  // the next of them
    bool capturing_ = false;      // the record has run past its first line:
    std::string captured_;        // the bytes read since that line's end
};

}  // namespace huitou
