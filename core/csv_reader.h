// csv_reader.h — RFC 4180 CSV, read one record at a time.
//
// Member lists come out of Excel, POS systems and WeChat shop back ends:
// a UTF-8 BOM, Windows line ends, quoted fields holding commas, quotes ("")
// and line breaks. The reader streams (a million rows never sit in memory at
// once), and reports each record with the line it starts on, so an import can
// say "line 17: ..." about the row a person sees in their editor.
//
// A malformed record (text after a closing quote, a field over the size
// limit, a quote left open at the end of the file) comes back with `error`
// set and the reader resynchronised at the next line, so one broken row never
// hides the rows after it. Blank lines are skipped. Encoding is not checked
// here; the importer checks UTF-8.
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
    // `max_field_bytes` makes its record an error.
    explicit CsvReader(std::istream& in, std::size_t max_field_bytes = 1 << 20);

    // The next record, or nullopt at the end of the input.
    std::optional<CsvRecord> next();

  private:
    int get();   // next byte or EOF, counting lines
    int peek();  // next byte or EOF
    void skip_rest_of_line();

    std::streambuf* buf_;
    std::size_t max_field_bytes_;
    std::size_t line_ = 1;
    bool at_start_ = true;
};

}  // namespace huitou
