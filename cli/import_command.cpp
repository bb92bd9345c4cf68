#include "cli/import_command.h"

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <set>

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
    // A row imported with fields left out: one line a field.
    auto take = [&](std::size_t line, RowResult& result) {
        if (!result.warnings.empty()) {
            ++report.warned;
            progress.clear();
            for (const auto& why : result.warnings)
                errors << "line " << line << ": warning: " << why << "\n";
        }
        writer.add(std::move(*result.record));
    };
    std::set<std::string> ignored_keys;  // JSON keys already named

    if (detect_format(o) == "jsonl") {
        std::string line;
        for (std::size_t n = 1; std::getline(in, line); ++n) {
            if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;
            ++report.rows;
            progress.row();
            auto result = parser.parse_json(line);
            for (const auto& key : result.ignored_keys) {
                if (!ignored_keys.insert(key).second) continue;
                progress.clear();
                errors << "note: ignoring key \"" << key << "\" (first on line " << n
                       << "): not a member field\n";
            }
            if (result.record)
                take(n, result);
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
                take(record->line, result);
            else
                reject(record->line, result.error);
        }
    }
    writer.flush();
    return report;
}

}  // namespace huitou
