// member.h — a shop's member as the rest of the system sees it.
//
// A member belongs to one store and is identified there by `id` (the shop's
// own member number). In Redis a member is one hash whose field names are the
// `field::` constants below; store and id live in the key, not in the hash.
// `to_fields` and `member_from_fields` are the only code that knows the
// encoding, so a field can be renamed or shortened in one place.
//
// Reading is tolerant: a stored value that no longer parses (written by an
// older version, or by hand) is dropped with the member kept, so one bad field
// never hides a member from planning. Writing goes through the importer,
// which is strict.
//
// Children live in the member's hash as one field, a compact JSON array of
// [name, birthday, gender] kept in name order, so an import listing the same
// children in another order stores the same bytes. A child is identified
// within its member by its name (child_key): the key names its birthday jobs,
// and it does not change when the children are listed in another order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/birthday.h"
#include "core/civil_time.h"

namespace huitou {

enum class Gender { unknown, female, male };

std::string_view to_string(Gender g);  // "", "F", "M"

namespace field {
inline constexpr std::string_view name = "name";
inline constexpr std::string_view gender = "gender";
inline constexpr std::string_view birthday = "birthday";
inline constexpr std::string_view phone = "phone";
inline constexpr std::string_view wechat_openid = "openid";
inline constexpr std::string_view tier = "tier";
inline constexpr std::string_view segment = "sg";  // value segment (core/value_segment.h)
inline constexpr std::string_view card_expires = "card_expires";
inline constexpr std::string_view sms_optin = "sms_optin";
inline constexpr std::string_view wechat_optin = "wechat_optin";
inline constexpr std::string_view children = "children";
inline constexpr std::string_view wechat_subscribed = "wechat_sub";  // "1", or absent
inline constexpr std::string_view contacts = "ch";  // contact history (contact_history.h)
// Points (积分) and their last day, named as the import and the API name
// them; absent when 0 / none: most members of most shops have no points.
inline constexpr std::string_view points = "points";
inline constexpr std::string_view points_expire = "points_expire";
// What she likes (core/member_tags.h), normalized, joined with ';'; absent when none.
inline constexpr std::string_view tags = "tags";
// The care list (core/care_rule.h): days of care calls marked done
// ("20711,20800"), and "1" when the staff were told not to call again.
inline constexpr std::string_view care_calls = "cc";
inline constexpr std::string_view care_stop = "cn";
}  // namespace field

struct Child {
    std::string name;  // never empty; unique among a member's children
    std::optional<Birthday> birthday;
    Gender gender = Gender::unknown;

    friend bool operator==(const Child&, const Child&) = default;
};

// A child's stable key within its member: 8 hex digits of a hash (FNV-1a) of
// its name, so ids stay short and plain whatever the name's script.
std::string child_key(const Child& c);

// The stored form of `children` (sorted by name), and back. Decoding is
// tolerant: entries that do not parse are dropped.
std::string encode_children(std::vector<Child> children);
std::vector<Child> decode_children(std::string_view text);

struct Member {
    std::string store;
    std::string id;
    std::string name;  // as the shop wrote it; may be empty
    Gender gender = Gender::unknown;
    std::optional<Birthday> birthday;
    std::string phone;          // E.164, or empty
    std::string wechat_openid;  // or empty
    std::string tier;           // the shop's own tier name ("金卡"), or empty
    // Her value segment as last computed, as stored (core/value_segment.h:
    // parse_stored_segment); written only by io/segment_store.h.
    std::string segment;
    std::optional<Date> card_expires;
    bool sms_optin = false;
    bool wechat_optin = false;
    bool wechat_subscribed = false;  // subscribed to the store's WeChat notices
    std::vector<Child> children;     // in name order
    std::string contacts;  // the messages of the last 30 days, as stored (contact_history.h)
    long long points = 0;  // the shop's points balance, ≥ 0 (kMaxPoints at most)
    std::optional<Date> points_expire;  // the last day the points are good
    std::vector<std::string> tags;      // what she likes, normalized (core/member_tags.h)

    friend bool operator==(const Member&, const Member&) = default;
};

// The largest points balance an import or the API takes: nine digits, so
// the number is never a shop's typo multiplied and always fits its field.
inline constexpr long long kMaxPoints = 999'999'999;

// A points balance as written ("1200"), or nullopt: not digits, or past kMaxPoints.
std::optional<long long> parse_points(std::string_view text);

using FieldMap = std::map<std::string, std::string, std::less<>>;

// The hash fields of `m`; empty values are left out (absent == empty).
FieldMap to_fields(const Member& m);

// The member stored under (store, id) with hash `fields`.
Member member_from_fields(std::string store, std::string id, const FieldMap& fields);

// Store and member ids are part of Redis keys and job ids: they must be short
// and plain. Stores: [a-z0-9_-]{1,32}; members: [A-Za-z0-9_.-]{1,64}.
bool is_valid_store_id(std::string_view id);
bool is_valid_member_id(std::string_view id);

}  // namespace huitou
