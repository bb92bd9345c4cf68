#include "core/csv_reader.h"

namespace huitou {

namespace {
constexpr int eof = std::char_traits<char>::eof();
}

CsvReader::CsvReader(std::istream& in, std::size_t max_field_bytes)
    : buf_(in.rdbuf()), max_field_bytes_(max_field_bytes) {}

int CsvReader::peek() {
    return buf_ ? buf_->sgetc() : eof;
}

int CsvReader::get() {
    const int c = buf_ ? buf_->sbumpc() : eof;
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
        auto fail = [&](std::string why) {
            record.error = std::move(why);
            skip_rest_of_line();
            return record;
        };
        for (;;) {
            const int c = get();
            if (quoted) {
                if (c == eof) {
                    record.error = "a quoted field is not closed before the end of the file";
                    return record;
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
                // Keep line breaks inside quotes as "\n", whatever the file used.
                if (c == '\r') {
                    if (peek() == '\n')
                        get();
                    else
                        ++line_;
                    field.push_back('\n');
                } else {
                    field.push_back(static_cast<char>(c));
                }
                if (field.size() > max_field_bytes_) {
                    // Resynchronise at the closing quote's line, if any.
                    while (quoted) {
                        const int d = get();
                        if (d == eof) break;
                        if (d == '"') {
                            if (peek() == '"')
                                get();
                            else
                                quoted = false;
                        }
                    }
                    return fail("a field is longer than " + std::to_string(max_field_bytes_) +
                                " bytes");
                }
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
                return fail("unexpected text after a closing quote in field " +
                            std::to_string(record.fields.size() + 1));
            }
            if (c == '"' && field.empty() && !was_quoted) {
                quoted = was_quoted = true;
                continue;
            }
            // A stray quote inside an unquoted field is kept as text, as Excel does.
            field.push_back(static_cast<char>(c));
            if (field.size() > max_field_bytes_) {
                return fail("a field is longer than " + std::to_string(max_field_bytes_) +
                            " bytes");
            }
        }
        // A blank line is one empty field: skip it.
        if (record.fields.size() == 1 && record.fields[0].empty() && record.error.empty()) continue;
        return record;
    }
}

}  // namespace huitou
