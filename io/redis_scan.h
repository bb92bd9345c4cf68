// redis_scan.h — one loop for Redis's cursor walks (SCAN, HSCAN, SSCAN,
// ZSCAN), which the reshard, the fingerprint, the eraser and the listings
// each used to write out: start at cursor 0, send the cursor Redis returned,
// stop when it returns 0 again. Redis may return an item twice across pages
// (a rehash between them) and pages may be empty; callers that count or copy
// must be idempotent per item, as every caller here is (HSET, ZADD, a set of
// ids, a sum over distinct keys).
#pragma once

#include <functional>

#include "io/redis_connection.h"

namespace huitou {

// Runs `command` — "SCAN" MATCH/COUNT..., or "HSCAN"/"SSCAN"/"ZSCAN" key
// MATCH/COUNT..., written without its cursor — from cursor 0 until Redis
// says 0, calling `page` with each reply's items: keys for SCAN; field,
// value, ... for HSCAN; members for SSCAN; member, score, ... for ZSCAN.
// Throws RedisError, and RedisReplyError (naming the command and key) on an
// error reply or one of the wrong shape.
void scan_all(RedisConnection& redis, const RedisCommand& command,
              const std::function<void(const RedisReply& items)>& page);

}  // namespace huitou
