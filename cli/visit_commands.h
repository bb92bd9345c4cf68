// visit_commands.h — the visit and win-back commands of the `huitou` tool:
//
//   huitou import-visits FILE [--store S] [--batch N] [--quiet] [--json]   visits from a CSV
//   huitou visit MEMBER --store S [--at T] [--amount X] [--id V] [--json]  one visit
//   huitou visits STORE MEMBER [--json]                   a member's visits and win-back state
//   huitou stats [--store S] [--json]                     members by win-back state
//
// An import reads the file as UTF-8 — a GBK (GB18030) file from Excel is
// converted, with a note, as for members (core/text_encoding.h) — streams
// it, checks each row (core/visit_row.h) and records
// good rows in pipelined batches (io/visit_store.h); a bad row is reported as
// "line N: <what is wrong>" and the rest are still imported. Importing a file
// twice records nothing new. On a terminal a progress line shows how far it
// is (cli/progress_bar.h); --json prints the summary as JSON. The commands register themselves on
// the CLI app, so cli/main.cpp only adds and runs them.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "io/program_setup.h"
#include "io/redis_connection.h"

namespace huitou {

struct VisitImportOptions {
    std::string path;
    std::string default_store;  // for rows without a store column
    std::size_t batch = 1000;
    bool progress = false;  // a progress line on `errors` (cli/progress_bar.h)
};

struct VisitImportReport {
    std::size_t rows = 0;
    std::size_t latest = 0;     // became the member's last visit
    std::size_t earlier = 0;    // added to the history, before the last visit
    std::size_t duplicate = 0;  // already recorded (or older than the history keeps)
    std::size_t rejected = 0;
    std::size_t unknown_members = 0;  // recorded visits of members not in the member list
    std::size_t cancelled = 0;        // win-back reminders the visits cancelled
};

// Imports; one line per rejected row on `errors`. `now` bounds the future.
// Throws RedisError, and ConfigError (unreadable file, unusable header).
VisitImportReport import_visits(const VisitImportOptions& options, const Config& config,
                                RedisConnection& redis, SysSeconds now, std::ostream& errors);

class VisitCommands {
  public:
    // Adds the subcommands to `app`.
    void add_to(CLI::App& app);

    // Runs the chosen subcommand and returns its exit status, or nullopt when
    // none of these was chosen. Throws RedisError and ConfigError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& errors);

  private:
    int run_visit(const Runtime& rt, std::ostream& out, std::ostream& errors);
    int run_show(const Runtime& rt, std::ostream& out, std::ostream& errors);
    int run_stats(const Runtime& rt, std::ostream& out);

    CLI::App* import_ = nullptr;
    CLI::App* visit_ = nullptr;
    CLI::App* show_ = nullptr;
    CLI::App* stats_ = nullptr;
    VisitImportOptions import_options_;
    std::string store_, member_, at_, amount_, visit_id_;
    bool json_ = false, import_json_ = false, quiet_ = false, visit_json_ = false,
         show_json_ = false;
};

}  // namespace huitou
