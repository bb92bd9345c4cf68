// member_row.h — one row of a member import, read and checked.
//
// An import row is a partial update: the columns a file has are set (an empty
// cell clears the field), the columns it lacks keep what Redis already holds.
// So a row becomes a MemberRecord — the fields to set, in their stored
// encoding (member.h), and the fields to clear — never a whole Member; the
// merge with what is stored happens in member_write.h.
//
// Every value is checked here, strictly, with a reason a shop assistant can
// act on ("phone \"1380013\" is not a valid number"). Only the member's key
// (member_id, store) or a row that cannot be read rejects the row: any other
// bad value is left out of the record — neither set nor cleared, so what is
// stored stays — with a warning, and the member is still imported (a typo in
// the gender must not cost her the birthday greeting). Column names may be the
// English keys or the Chinese headers shops use (会员号, 姓名, 手机, ...);
// unknown columns (and JSON keys) are ignored and named. A CSV header and a
// JSON Lines object go through the same checks.
//
// Children come as numbered CSV columns (child1_name, child1_birthday,
// child1_gender, child2_..., up to child9; 孩子1姓名, 孩子1生日, 孩子1性别) or as
// a JSON array "children": [{"name", "birthday", "gender"}]. Like any field
// they are all-or-nothing: a row that has child columns (or the key) states
// all of the member's children, and one without them keeps what is stored;
// one bad child leaves the children out (with a warning), not the member.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/member.h"

namespace huitou {

struct MemberRecord {
    std::string store;
    std::string id;
    FieldMap set;                    // stored encoding, see member.h
    std::vector<std::string> clear;  // fields named by the row but empty
};

struct RowResult {
    std::optional<MemberRecord> record;  // set when the row is imported
    std::string error = {};              // otherwise, what is wrong
    // With a record: each field left out, and why ("gender \"X\" is not F/M
    // (女/男); left out").
    std::vector<std::string> warnings = {};
    // JSON Lines: the object's keys that are no member field ("brithday").
    std::vector<std::string> ignored_keys = {};
};

class MemberRowParser {
  public:
    using StoreCheck = std::function<bool(std::string_view store)>;

    // `is_known_store` tells whether a store is configured; `default_store`
    // is used for rows without a store (empty: the row must name one).
    MemberRowParser(StoreCheck is_known_store, std::string default_store = {});

    // Reads a CSV header. Returns an error text when the header cannot work
    // (no member_id column, a column named twice); else empty.
    std::string set_header(const std::vector<std::string>& names);
    // Columns of the header that mean nothing to huitou, for one warning.
    const std::vector<std::string>& ignored_columns() const { return ignored_; }

    // A CSV record under the header.
    RowResult parse_csv(const std::vector<std::string>& fields) const;
    // One JSON Lines object.
    RowResult parse_json(std::string_view line) const;

  private:
    enum class Column {
        member_id,
        store,
        name,
        gender,
        birthday,
        phone,
        wechat_openid,
        tier,
        card_expires,
        sms_optin,
        wechat_optin,
        wechat_subscribed,
        points,
        points_expire,
        tags,
        work_hours,
        child_name,
        child_birthday,
        child_gender,
        ignored
    };
    static constexpr int kMaxChildren = 9;
    struct Cell {
        Column column;
        int child = 0;  // 1..kMaxChildren for the child columns
        std::string value;
    };
    // A column name's meaning, and for child columns the child's number.
    static std::optional<std::pair<Column, int>> column_named(std::string_view name);
    static std::string_view column_name(Column c);
    struct ChildCells {
        std::string name, birthday, gender;
    };
    using ChildCellTable = std::array<ChildCells, kMaxChildren + 1>;  // by child number
    // The children the cells describe, appended to `children`; or why not.
    static std::string read_children(const ChildCellTable& cells, std::vector<Child>& children);
    RowResult check(const std::vector<Cell>& cells, bool has_children) const;

    StoreCheck is_known_store_;
    std::string default_store_;
    std::vector<std::pair<Column, int>> header_;
    std::vector<std::string> ignored_;
};

}  // namespace huitou
