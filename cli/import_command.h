// import_command.h — `huitou import FILE`: members from CSV or JSON Lines.
//
// Streams the file, checks every row (core/member_row.h), and upserts good
// rows in batches (io/member_store.h). A row that cannot be imported (a bad
// member_id or store, a row that cannot be read) is reported as
// "line N: <what is wrong>" on stderr and the other rows are still imported;
// a row imported without a bad field as "line N: warning: <field ...>; left
// out". The exit status says whether anything was rejected or left out. JSON
// keys that are no member field are named once each, like unknown CSV columns. Importing a file
// twice changes nothing the second time (every row reports "unchanged"). Changes of sms_optin /
// wechat_optin are written to the consent ledger (source import, the file as detail); an import
// never lifts a member's own opt-out (core/consent.h).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

#include "core/config.h"
#include "io/redis_connection.h"

namespace huitou {

struct ImportOptions {
    std::string path;
    std::string format;         // "csv", "jsonl", or empty: from the file name
    std::string default_store;  // for rows without a store column
    // Rows per store per transaction. Redis 7.0 checks each WATCHed key
    // against those already watched (quadratic in the batch): 500 measured
    // faster than 1000 (docs/BENCHMARKS.md section 1).
    std::size_t batch = 500;
    SysSeconds at{};        // when the import runs: the consent ledger's time for its changes
    bool progress = false;  // a progress line on `errors` (cli/progress_bar.h)
};

struct ImportReport {
    std::size_t rows = 0;
    std::size_t created = 0;
    std::size_t updated = 0;
    std::size_t unchanged = 0;
    std::size_t rejected = 0;
    std::size_t warned = 0;  // imported, with a bad field left out (and its stored value kept)
};

// Imports; writes one line per rejected row and per field left out to `errors`. Throws RedisError
// (the import can simply be run again) and ConfigError (unreadable file, bad header).
ImportReport import_members(const ImportOptions& options, const Config& config,
                            RedisConnection& redis, std::ostream& errors);

}  // namespace huitou
