// member_write.h — what storing an import row changes, decided before Redis
// is touched.
//
// An import row (member_row.h) is merged with what is stored for the member:
// which fields to set, which to clear, and which index entries the member
// leaves and joins. Being pure, the merge is where "importing the same
// file twice changes nothing" is decided and tested: an unchanged member
// yields an empty write and outcome `unchanged`.
//
// The indexes (sets under the store's prefix, member ids as elements):
//   bd:<MM-DD>, lbd:<MM-DD>, lbd:leap<MM-DD>  the member's own birthday
//                                            (birthday.h); bd:none without one
//   cbd:…, clbd:…                             a child's birthday (same suffixes)
//   exp:<YYYY-MM-DD>                          the day the member card expires
//   pts:<YYYY-MM-DD>                          the day the member's points lapse
//                                            (only with points > 0)
//   nm:<text>, p4:<dddd>                      the counter's search: name and
//                                            given-name prefixes, the phone's
//                                            last four digits (member_search.h)
//   o2:<cc>                                   the openid's last two characters:
//                                            how an opt-out naming only an
//                                            openid finds its member
//                                            (io/consent_store.h)
// Every member is in exactly one of the own-birthday sets, so together they
// list the store's members (member_partition_keys) for a festival that
// reaches everyone, at no extra memory. Card expiry is a set per day rather
// than one sorted set: a reminder window reads a few days' sets, and a set
// element costs about 70 bytes against a sorted set's 110 (docs/architecture.md).
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

// The member fields member_index_entries reads: a write's (and an
// erasure's) guard holds their stored values.
const std::vector<std::string_view>& member_index_fields();

// The own-birthday index keys, bd:none included: every member is in exactly one.
std::vector<std::string> member_partition_keys();

// The index of members without a birthday.
inline constexpr std::string_view kNoBirthdayIndex = "bd:none";

// The index key of children's birthdays kept under `birthday_key` ("bd:09-15"
// → "cbd:09-15").
std::string child_index_key(std::string_view birthday_key);

// The index key of cards expiring on `day`: "exp:2027-09-22".
std::string expiry_index_key(const Date& day);

// The index key of members whose points lapse after `day`: "pts:2027-09-22".
std::string points_index_key(const Date& day);

// The index key of members whose openid ends like `openid`: "o2:" and its
// last two characters ("o2:6o"); "" for an openid shorter than two. Two, not
// the four of p4: — openids end in 64 characters, not 10, so four would give
// nearly every member a key of her own (~120 bytes an openid, measured)
// where two share 4,096 keys (~14 bytes an openid at 400,000 of them). The
// index is a first cut: the caller compares the member's openid.
std::string openid_index_key(std::string_view openid);

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
