#include "core/csv_reader.h"

#include <cassert>

namespace huitou {

namespace {
constexpr int eof = std::char_traits<char>::eof();
}

CsvReader::CsvReader(std::istream& in, std::size_t max_field_bytes, std::size_t max_record_lines)
    : buf_(in.rdbuf()), max_field_bytes_(max_field_bytes), max_record_lines_(max_record_lines) {
    assert(max_record_lines >= 1);
}

int CsvReader::peek() {
    if (replay_pos_ < replay_.size()) return static_cast<unsigned char>(replay_[replay_pos_]);
    return buf_ ? buf_->sgetc() : eof;
}

int CsvReader::get() {
    int c;
    if (replay_pos_ < replay_.size()) {
        c = static_cast<unsigned char>(replay_[replay_pos_++]);
    } else {
        c = buf_ ? buf_->sbumpc() : eof;
    }
    if (capturing_ && c != eof) captured_.push_back(static_cast<char>(c));
    if (c == '\n') ++line_;
    return c;
}

// Consumes through the end of the current physical line. Line ends are
// "\n", "\r\n" or a lone "\r" (old Mac exports).
void CsvReader::skip_rest_of_line() {
    for (;;) {
        const int c = get();
        if (c == eof || c == '\n') return;
        if (c == '\r') {
            if (peek() == '\n')
                get();
            else
                ++line_;
            return;
        }
    }
}

CsvRecord CsvReader::reject(CsvRecord record, std::string why) {
    record.error = std::move(why);
    if (line_ > record.line) {
        // The record ran past the line it started on: whatever opened it
        // (most often a stray quote) may have swallowed good rows. Read again
        // from the next line, the bytes after the first line end included.
        captured_.append(replay_, replay_pos_);
        replay_ = std::move(captured_);
        replay_pos_ = 0;
        captured_.clear();
        line_ = record.line + 1;
    } else {
        skip_rest_of_line();
    }
    capturing_ = false;
    return record;
}

std::optional<CsvRecord> CsvReader::next() {
    if (at_start_) {
        at_start_ = false;
        // A UTF-8 byte order mark, as Excel writes it.
        if (peek() == 0xEF) {
            get();
            if (peek() == 0xBB) get();
            if (peek() == 0xBF) get();
        }
    }
    for (;;) {
        if (replay_pos_ == replay_.size() && !replay_.empty()) {
            replay_.clear();
            replay_pos_ = 0;
        }
        capturing_ = false;
        captured_.clear();
        if (peek() == eof) return std::nullopt;
        CsvRecord record;
        record.line = line_;
        std::string field;
        bool quoted = false;       // inside a quoted field
        bool was_quoted = false;   // the current field started with a quote
        bool after_quote = false;  // a quoted field just closed
        auto finish_field = [&] {
            record.fields.push_back(std::move(field));
            field.clear();
            was_quoted = after_quote = false;
        };
        auto too_long = [&] {
            return reject(std::move(record),
                          "a field is longer than " + std::to_string(max_field_bytes_) + " bytes");
        };
        for (;;) {
            const int c = get();
            if (quoted) {
                if (c == eof) {
                    return reject(std::move(record),
                                  "a quoted field opened on this line is not closed before the "
                                  "end of the file (a stray quote?)");
                }
                if (c == '"') {
                    if (peek() == '"') {
                        get();
                        field.push_back('"');
                    } else {
                        quoted = false;
                        after_quote = true;
                    }
                    continue;
                }
                if (c == '\r' || c == '\n') {
                    // Keep line breaks inside quotes as "\n", whatever the file used.
                    if (c == '\r') {
                        if (peek() == '\n')
                            get();
                        else
                            ++line_;
                    }
                    field.push_back('\n');
                    if (line_ - record.line >= max_record_lines_) {
                        return reject(std::move(record),
                                      "a quoted field opened on this line runs on for more than " +
                                          std::to_string(max_record_lines_) +
                                          " lines (a stray quote?)");
                    }
                    // From here on the bytes are kept, to be read again
                    // should the record turn out to be broken.
                    capturing_ = true;
                } else {
                    field.push_back(static_cast<char>(c));
                }
                if (field.size() > max_field_bytes_) return too_long();
                continue;
            }
            if (c == ',') {
                finish_field();
                continue;
            }
            if (c == eof || c == '\n' || c == '\r') {
                if (c == '\r') {
                    if (peek() == '\n')
                        get();
                    else
                        ++line_;
                }
                finish_field();
                break;
            }
            if (after_quote) {
                return reject(std::move(record), "unexpected text after a closing quote in field " +
                                                     std::to_string(record.fields.size() + 1));
            }
            if (c == '"' && field.empty() && !was_quoted) {
                quoted = was_quoted = true;
                continue;
            }
            // A stray quote inside an unquoted field is kept as text, as Excel does.
            field.push_back(static_cast<char>(c));
            if (field.size() > max_field_bytes_) return too_long();
        }
        // A blank line is one empty field: skip it.
        if (record.fields.size() == 1 && record.fields[0].empty()) continue;
        return record;
    }
}

}  // namespace huitou
