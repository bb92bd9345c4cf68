// wechat_msgids.h — from the msgid WeChat returns to the store and job it sent.
//
// WeChat's delivery events (TEMPLATESENDJOBFINISH, subscribe_msg_sent_event)
// name only the msgid its send API answered with, and the account, not the
// store: one official account serves every store of a config. The sender
// keeps the job's provider_ref (= msgid) on the job, but a job cannot be
// found by it, so the sender also writes one small key per message,
//   hu:wechat:{<appid>}:msg:<msgid>   string   "<store>|<job id>"
// with a TTL of three days (WeChat reports within seconds to minutes; an
// event later than that finds nothing and is acknowledged and ignored). A key
// a message rather than one hash: each expires on its own, and a hash's one
// TTL would either never fire under steady sending or drop fresh entries.
// Under the account's hash tag, beside its token (workers/wechat_token.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "io/redis_connection.h"

namespace huitou {

// How long a msgid leads back to its job.
inline constexpr std::chrono::seconds wechat_msgid_ttl{3 * 86400};

std::string wechat_msgid_key(const std::string& app_id, const std::string& msgid);

// Records that `msgid` is job `job_id` of `store`. Throws RedisError,
// RedisReplyError.
void remember_wechat_msgid(RedisConnection& redis, const std::string& app_id,
                           const std::string& msgid, const std::string& store,
                           const std::string& job_id);

struct WechatJobRef {
    std::string store, job_id;
};
// The job `msgid` was, or nullopt (unknown, expired, or not of this shape).
// Throws RedisError, RedisReplyError.
std::optional<WechatJobRef> find_wechat_msgid(RedisConnection& redis, const std::string& app_id,
                                              const std::string& msgid);

}  // namespace huitou
