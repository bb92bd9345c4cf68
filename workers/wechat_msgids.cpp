#include "workers/wechat_msgids.h"

namespace huitou {

std::string wechat_msgid_key(const std::string& app_id, const std::string& msgid) {
    return "hu:wechat:{" + app_id + "}:msg:" + msgid;
}

void remember_wechat_msgid(RedisConnection& redis, const std::string& app_id,
                           const std::string& msgid, const std::string& store,
                           const std::string& job_id) {
    redis
        .command({"SET", wechat_msgid_key(app_id, msgid), store + "|" + job_id, "EX",
                  std::to_string(wechat_msgid_ttl.count())})
        .expect_ok("SET wechat msgid");
}

std::optional<WechatJobRef> find_wechat_msgid(RedisConnection& redis, const std::string& app_id,
                                              const std::string& msgid) {
    const auto reply =
        redis.command({"GET", wechat_msgid_key(app_id, msgid)}).expect_ok("GET wechat msgid");
    if (reply.type != RedisReply::Type::string) return std::nullopt;
    // Store ids have no '|' (config keys); job ids may have anything after it.
    const auto bar = reply.str.find('|');
    if (bar == std::string::npos || bar == 0 || bar + 1 == reply.str.size()) return std::nullopt;
    return WechatJobRef{reply.str.substr(0, bar), reply.str.substr(bar + 1)};
}

}  // namespace huitou
