// visit_wire.h — the visit message a point-of-sale system sends the scheduler.
//
// The same envelope as core/wire.h: on the scheduler's visits socket (ZeroMQ
// PULL; the POS connects a PUSH socket) a two-frame message, frame 1 the tag
// "huitou.visit/1", frame 2 a UTF-8 JSON object; on the admin HTTP server
// (POST /api/visits) the JSON object alone, as the request body. One object,
// one decoder, two doors:
//
//   {"store": "toyland", "member_id": "T0001",
//    "visited_at": "2027-09-15T19:30:00+08:00",   optional: now; local time allowed
//    "amount": "128.50",                          optional: string or number
//    "visit_id": "POS1-000123"}                   optional: the POS's own receipt id
//
// Decoding never trusts the sender: a wrong frame count or tag, bad JSON, a
// missing or mistyped field, an oversized value comes back as an error text
// (logged, counted, dropped). Unknown fields are ignored, so a POS may send
// more than we read. The values are then checked like any visit (core/visit.h).
#pragma once

#include <string_view>
#include <vector>

#include "core/visit.h"
#include "core/wire.h"

namespace huitou {

inline constexpr std::string_view visit_tag = "huitou.visit/1";

Frames encode_visit(const VisitInput& v);

// The ZeroMQ message: two frames, tag and body.
Decoded<VisitInput> decode_visit(const std::vector<std::string_view>& frames);
// The body alone (HTTP).
Decoded<VisitInput> decode_visit_body(std::string_view body);

}  // namespace huitou
