// store_access.h — the check every /api/v1/stores/<S>/... route makes first.
//
// The server has settled who is asking (scheduler/admin_server.h); the
// route knows which store it is about and whether it writes (its method).
// refuse() answers, in this order:
//   404 when S is not a configured store, or not one of the caller's stores —
//       the same answer, word for word, so a key cannot learn which stores
//       exist beyond its own;
//   403 when the request writes (POST, PUT, PATCH, DELETE) and the caller's
//       scope is read;
//   nothing when the route may go on.
// One function for every v1 route, so the rule lives in one place
// (core/identity.h has it as a pure function, Identity::access).
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "scheduler/admin_server.h"

namespace huitou {

// The refusal for `req` on `store`, else nullopt (go on).
std::optional<HttpReply> refuse(const HttpRequest& req, const Config& config,
                                const std::string& store);

}  // namespace huitou
