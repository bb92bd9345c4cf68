// member_search.h — finding a member at the counter: by name, by member
// number, or by the last four digits of the phone, through indexes.
//
// A store may have 100,000 members and the page must answer in a few
// milliseconds, so a search never scans the members: it reads index hashes
// that every member write keeps (core/member_write.h adds these entries to
// the member's others, so scripts/apply_member_write.lua and
// scripts/erase_member.lua keep and remove them like the birthday indexes):
//   nm:<text>   members whose name begins with <text> — the name's first
//               2..kNamePrefix characters (a name of one character: itself)
//               — or whose given name (the name after its Chinese surname,
//               core/honorific.h) does: "王小明" is under 王小, 王小明 and
//               小明. Names are folded first (full-width to ASCII, A–Z to
//               a–z, spaces dropped), so 'anna' finds "Anna".
//   p4:<dddd>   members whose phone ends in dddd.
// The member number is the member's own key: no index. A longer query than
// kNamePrefix reads the index of its first characters and keeps the members
// whose name really begins with it (name_matches); every candidate is checked
// against the member as stored, so an index entry left behind (a reindex
// racing a rename) shows nobody wrong. One character is not a search (a
// surname names thousands: the page asks for two), and characters in the
// middle of a name ("明" for 王小明) are not indexed: single characters and
// every prefix up to 4 cost 235 bytes a member in Redis, these about a
// third of that (docs/BENCHMARKS.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/member.h"

namespace huitou {

// The shortest and longest name prefixes indexed (of a name and of a given name).
inline constexpr std::size_t kNameMin = 2;
inline constexpr std::size_t kNamePrefix = 3;

// `name` as the index and the queries compare it: trimmed, full-width folded
// to ASCII, A–Z to a–z, white space removed.
std::string fold_name(std::string_view name);

// The search index keys of `m` (nm:..., p4:...), each once.
std::vector<std::string> search_index_keys(const Member& m);

// The phone index key of the digits `last4` ("p4:8001").
std::string phone_index_key(std::string_view last4);

// What the staff typed, read.
struct MemberQuery {
    std::string text;        // trimmed, as typed (for the id)
    std::string name;        // fold_name(text); "" when nothing is left
    std::string last4;       // the four digits, when the query is four digits
    bool may_be_id = false;  // text is a valid member id (core/member.h)

    // The name index key to read: nm:<the folded name's first kNamePrefix
    // characters>; "" when there is no name to search. One character finds
    // the members named just that (see name_too_short).
    std::string name_index_key() const;
};

MemberQuery read_member_query(std::string_view text);

// Whether the query's name is shorter than kNameMin characters (and not a
// member number): it finds only members whose whole name it is, and the page
// asks for more.
bool name_too_short(const MemberQuery& query);

// Whether `m`'s name or given name begins with the folded `name` (a query's).
bool name_matches(const Member& m, std::string_view name);

// Whether `m`'s phone ends in `last4`.
bool phone_matches(const Member& m, std::string_view last4);

}  // namespace huitou
