#include "cli/import_command.h"

#include <fstream>
#include <ostream>

#include "core/csv_reader.h"
#include "core/member_row.h"
#include "io/member_store.h"

namespace huitou {
namespace {

// Collects good rows and writes them a batch at a time.
class BatchWriter {
  public:
    BatchWriter(RedisConnection& redis, std::size_t batch, ImportReport& report,
                MemberStore::Evidence evidence)
        : store_(redis), batch_(batch), report_(report), evidence_(std::move(evidence)) {}

    void add(MemberRecord record) {
        pending_.push_back(std::move(record));
        if (pending_.size() >= batch_) flush();
    }

    void flush() {
        if (pending_.empty()) return;
        for (const auto outcome : store_.upsert(pending_, &evidence_)) {
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
        pending_.clear();
    }

  private:
    MemberStore store_;
    std::size_t batch_;
    ImportReport& report_;
    MemberStore::Evidence evidence_;
    std::vector<MemberRecord> pending_;
};

std::string detect_format(const ImportOptions& o) {
    if (!o.format.empty()) return o.format;
    for (const char* ext : {".jsonl", ".ndjson", ".json"}) {
        if (o.path.ends_with(ext)) return "jsonl";
    }
    return "csv";
}

}  // namespace

ImportReport import_members(const ImportOptions& o, const Config& config, RedisConnection& redis,
                            std::ostream& errors) {
    std::ifstream in(o.path, std::ios::binary);
    if (!in) throw ConfigError(o.path + ": cannot open the file");
    if (!o.default_store.empty() && !config.find_store(o.default_store)) {
        throw ConfigError("--store " + o.default_store + ": not a store in " + config.origin);
    }
    MemberRowParser parser(
        [&config](std::string_view s) { return config.find_store(s) != nullptr; }, o.default_store);
    ImportReport report;
    BatchWriter writer(redis, o.batch, report, {o.at, "import of " + o.path});
    auto reject = [&](std::size_t line, const std::string& why) {
        ++report.rejected;
        errors << "line " << line << ": " << why << "\n";
    };

    if (detect_format(o) == "jsonl") {
        std::string line;
        for (std::size_t n = 1; std::getline(in, line); ++n) {
            if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;
            ++report.rows;
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
            ++report.rows;
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
