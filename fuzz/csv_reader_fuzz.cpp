// Fuzzes the CSV reader and the member row checks behind it: any bytes must
// give records or errors, never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/csv_reader.h"
#include "core/member_row.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    huitou::CsvReader reader(in, 4096);
    huitou::MemberRowParser parser([](std::string_view s) { return s == "toyland"; }, "toyland");
    bool header = true;
    std::size_t last_line = 0;
    while (auto record = reader.next()) {
        // Records come in file order.
        if (record->line < last_line) __builtin_trap();
        last_line = record->line;
        if (!record->error.empty()) continue;
        if (header) {
            header = !parser.set_header(record->fields).empty();
            continue;
        }
        (void)parser.parse_csv(record->fields);
    }
    return 0;
}
