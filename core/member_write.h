// member_write.h — what storing an import row changes, decided before Redis
// is touched.
//
// An import row (member_row.h) is merged with what is stored for the member:
// which fields to set, which to clear, and which index entries the member
// leaves and joins (the birthday month-day set today; later the lunar and
// card-expiry indexes). Being pure, the merge is where "importing the same
// file twice changes nothing" is decided and tested: an unchanged member
// yields an empty write and outcome `unchanged`.
//
// The write carries a guard — the stored values its index changes were based
// on — and the Redis script applies it only if they still hold, so a
// concurrent change never leaves a member in the wrong index.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/member.h"
#include "core/member_row.h"

namespace huitou {

// One index a member belongs to: a set (no score) or a sorted set, named by
// its key suffix under the store's prefix ("bd:09-15").
struct IndexEntry {
    std::string key;
    std::optional<double> score;

    friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

// Every index entry of `m`.
std::vector<IndexEntry> member_index_entries(const Member& m);

enum class WriteOutcome { created, updated, unchanged };

struct MemberWrite {
    WriteOutcome outcome = WriteOutcome::unchanged;
    FieldMap set;
    std::vector<std::string> clear;
    std::vector<IndexEntry> index_remove;
    std::vector<IndexEntry> index_add;
    FieldMap guard;  // field → stored value this write assumes ("" = absent)
};

// The write that turns `stored` (nullopt: no such member yet) into the
// member `record` describes.
MemberWrite plan_member_write(const std::optional<FieldMap>& stored, const MemberRecord& record);

}  // namespace huitou
