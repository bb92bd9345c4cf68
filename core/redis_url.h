// redis_url.h — where Redis is, as a URL.
//
// redis://[[user]:password@]host[:port][/db] and unix:///path/to/redis.sock[?db=N].
// The URL comes from --redis, HUITOU_REDIS_URL or the config; a password in
// it is accepted for convenience, but docs/operations.md recommends the
// environment so it never shows in `ps`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huitou {

struct RedisEndpoint {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string unix_path;  // when set, host and port are unused
    int db = 0;
    std::string user;
    std::string password;

    // The URL without the password, for logs.
    std::string describe() const;
};

std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error = nullptr);

}  // namespace huitou
