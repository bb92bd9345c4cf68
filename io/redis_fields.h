// redis_fields.h — a hash as Redis returns it (HGETALL, XRANGE entries), as a map.
//
// HGETALL and stream entries answer a flat array: field, value, field,
// value. Every store reads hashes that way, so the one conversion lives
// here; a trailing field without a value (a malformed reply) is dropped.
#pragma once

#include "core/member.h"
#include "io/redis_connection.h"

namespace huitou {

// The flat field/value array `flat` as a map (empty for a missing key).
FieldMap field_map(const RedisReply& flat);

}  // namespace huitou
