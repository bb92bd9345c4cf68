// member_body.h — a member written over the API (PUT or PATCH
// /api/v1/stores/<S>/members/<id>), read and checked.
//
// The body is one JSON object, the shape of a `huitou import` JSON Lines
// line, and it goes through the same parser (MemberRowParser::parse_json):
// one set of checks for the file and the API. What differs is what the API
// makes of the parser's leniency:
//   - the URL names the member: a body's member_id or store that disagrees
//     is an error naming the field; one that agrees (or is absent) is fine;
//   - a bad value is an error, not a warning ("birthday: \"1990-13-45\" is
//     not a real date"): an import leaves a bad field out so that one typo
//     does not cost the member the greeting, but a program can correct its
//     request, and on a PUT a field left out would mean "clear it";
//   - a key that is no member field is an error naming it: on a PUT a typo
//     ("brithday") would otherwise clear the birthday without a word.
// A replace (PUT) clears every field of the shop's record the body does not
// name: name, gender, birthday, phone, wechat_openid, tier, card_expires,
// points, points_expire, tags, children; sms_optin and wechat_optin absent are "0" (no answer is no
// consent, as in an import). Facts huitou learns elsewhere stay unless the
// body names them: wechat_subscribed (WeChat's subscribe events) and the
// contact history. A merge (PATCH) is an import row: only the body's fields
// change, and JSON null clears one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/member_row.h"

namespace huitou {

enum class MemberWriteMode { replace, merge };

struct MemberBody {
    std::optional<MemberRecord> record;  // set when the body can be written
    std::string error = {};              // otherwise "field: what is wrong"
};

// The record `body` describes for member `id` of `store` (both checked by the
// caller: a valid member id, a configured store). `parser` is the import's.
MemberBody read_member_body(const MemberRowParser& parser, std::string_view body,
                            const std::string& store, const std::string& id, MemberWriteMode mode);

// The same for a body already parsed: one item of members:batch.
MemberBody read_member_object(const MemberRowParser& parser, nlohmann::json object,
                              const std::string& store, const std::string& id,
                              MemberWriteMode mode);

// A parser warning as an API error: "birthday \"x\" is not a date; left out"
// → "birthday: \"x\" is not a date".
std::string warning_as_error(std::string_view warning);

}  // namespace huitou
