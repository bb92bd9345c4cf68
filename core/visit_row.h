// visit_row.h — one row of `huitou import-visits`, read and checked.
//
// A CSV of visits as a POS or a spreadsheet exports it: a header row naming
// the columns (English keys or the Chinese headers shops use), then one visit
// a row. Columns: member_id, store (or --store), visited_at, and optionally
// amount and visit_id; other columns are ignored and reported once. Each row
// becomes a VisitInput and then goes through make_visit (core/visit.h), so a
// file is held to the same rules as the live feed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/visit.h"

namespace huitou {

class VisitRowParser {
  public:
    // `default_store` is used for rows without a store (empty: rows must name one).
    explicit VisitRowParser(std::string default_store = {});

    // Reads the header. Returns an error text when it cannot work (no
    // member_id or visited_at column, a column named twice); else empty.
    std::string set_header(const std::vector<std::string>& names);
    const std::vector<std::string>& ignored_columns() const { return ignored_; }

    // A record under the header, checked against `config` at `now`.
    VisitCheck parse(const std::vector<std::string>& fields, const Config& config,
                     SysSeconds now) const;

  private:
    enum class Column { member_id, store, visited_at, amount, visit_id, ignored };
    static std::optional<Column> column_named(std::string_view name);

    std::string default_store_;
    std::vector<Column> header_;
    std::vector<std::string> ignored_;
};

}  // namespace huitou
