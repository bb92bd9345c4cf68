#include "cli/import_command.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include "cli/progress_bar.h"
#include "core/csv_reader.h"
#include "core/member_row.h"
#include "core/text_encoding.h"
#include "io/member_store.h"

namespace huitou {
namespace {

// Collects good rows and writes them a batch of one store at a time: one
// store's batch is one transaction (its keys share a hash tag), which Redis
// applies while the rows that follow are parsed. Rows of different stores are
// independent; a store's rows keep their file order.
class BatchWriter {
  public:
    BatchWriter(RedisConnection& redis, std::size_t batch, ImportReport& report,
                MemberStore::Evidence evidence)
        : store_(redis), batch_(batch), report_(report), evidence_(std::move(evidence)) {}

    void add(MemberRecord record) {
        auto& rows = pending_[record.store];
        rows.push_back(std::move(record));
        ++held_;
        if (rows.size() >= batch_) {
            send(rows);
        } else if (held_ >= 4 * batch_) {
            // Many stores, each a few rows: the fullest goes, so what is held
            // in memory stays bounded.
            send(std::max_element(
                     pending_.begin(), pending_.end(),
                     [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); })
                     ->second);
        }
    }

    // Everything sent and applied.
    void flush() {
        for (auto& [store, rows] : pending_)
            send(rows);
        collect();
    }

  private:
    // Sends `rows` and returns while Redis applies them; the previous
    // batch's outcomes are counted first.
    void send(std::vector<MemberRecord>& rows) {
        collect();
        if (rows.empty()) return;
        held_ -= rows.size();
        store_.begin_upsert(std::move(rows), &evidence_);
        rows.clear();
    }

    void collect() {
        for (const auto outcome : store_.finish_upsert()) {
            switch (outcome) {
                case WriteOutcome::created:
                    ++report_.created;
                    break;
                case WriteOutcome::updated:
                    ++report_.updated;
                    break;
                case WriteOutcome::unchanged:
                    ++report_.unchanged;
                    break;
            }
        }
    }

    MemberStore store_;
    std::size_t batch_;
    ImportReport& report_;
    MemberStore::Evidence evidence_;
    std::map<std::string, std::vector<MemberRecord>> pending_;  // store → its rows
    std::size_t held_ = 0;
};

std::string detect_format(const ImportOptions& o) {
    if (!o.format.empty()) return o.format;
    for (const char* ext : {".jsonl", ".ndjson", ".json"}) {
        if (o.path.ends_with(ext)) return "jsonl";
    }
    return "csv";
}

// The file as UTF-8. A UTF-8 file is scanned once and then streamed from
// disk; a GBK (GB18030) file is converted in memory — such files come from
// Excel, a few MB at most — with a note, so the person knows it was guessed.
// Anything else is refused with the line and byte of the first bad byte.
std::unique_ptr<std::istream> open_as_utf8(const std::string& path, std::ostream& errors) {
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
    errors << "note: " << path << " is not UTF-8 (line " << where.line << ", byte offset "
           << where.offset << "); read it as GBK (GB18030) — check a few names after the import\n";
    return std::make_unique<std::istringstream>(std::move(*converted));
}

}  // namespace

ImportReport import_members(const ImportOptions& o, const Config& config, RedisConnection& redis,
                            std::ostream& errors) {
    if (!o.default_store.empty() && !config.find_store(o.default_store)) {
        throw ConfigError("--store " + o.default_store + ": not a store in " + config.origin);
    }
    MemberRowParser parser(
        [&config](std::string_view s) { return config.find_store(s) != nullptr; }, o.default_store);
    const auto input = open_as_utf8(o.path, errors);
    std::istream& in = *input;
    ProgressBar progress(errors, in, o.progress);
    ImportReport report;
    BatchWriter writer(redis, o.batch, report, {o.at, "import of " + o.path});
    auto reject = [&](std::size_t line, const std::string& why) {
        ++report.rejected;
        progress.clear();
        errors << "line " << line << ": " << why << "\n";
    };

    if (detect_format(o) == "jsonl") {
        std::string line;
        for (std::size_t n = 1; std::getline(in, line); ++n) {
            if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;
            ++report.rows;
            progress.row();
            auto result = parser.parse_json(line);
            if (result.record)
                writer.add(std::move(*result.record));
            else
                reject(n, result.error);
        }
    } else {
        CsvReader reader(in);
        const auto header = reader.next();
        if (!header) throw ConfigError(o.path + ": the file is empty");
        if (!header->error.empty()) throw ConfigError(o.path + ": line 1: " + header->error);
        if (const auto problem = parser.set_header(header->fields); !problem.empty()) {
            throw ConfigError(o.path + ": line " + std::to_string(header->line) + ": " + problem);
        }
        if (!parser.ignored_columns().empty()) {
            std::string names;
            for (const auto& c : parser.ignored_columns())
                names += (names.empty() ? "" : ", ") + c;
            errors << "note: ignoring columns " << names << "\n";
        }
        while (auto record = reader.next()) {
            // Excel keeps formatted but empty rows as ",,,,": not a member.
            if (record->error.empty() &&
                std::all_of(record->fields.begin(), record->fields.end(),
                            [](const std::string& f) { return f.empty(); })) {
                continue;
            }
            ++report.rows;
            progress.row();
            if (!record->error.empty()) {
                reject(record->line, record->error);
                continue;
            }
            auto result = parser.parse_csv(record->fields);
            if (result.record)
                writer.add(std::move(*result.record));
            else
                reject(record->line, result.error);
        }
    }
    writer.flush();
    return report;
}

}  // namespace huitou
