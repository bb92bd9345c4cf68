// redis_url.h — where Redis is, as a URL.
//
// redis://[[user]:password@]host[:port][/db] and unix:///path/to/redis.sock[?db=N]
// for one server; redis+cluster://[[user]:password@]host[:port],host[:port]...
// for a Redis Cluster: the listed nodes are seeds, any one that answers
// tells where the rest are (io/redis_cluster.h), and a cluster has only
// database 0.
// The URL comes from --redis, HUITOU_REDIS_URL or the config; a password in
// it is accepted for convenience, but docs/operations.md recommends the
// environment so it never shows in `ps`. Messages never quote the password:
// describe() leaves the credentials out, mask_redis_url() masks them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

// One node of a cluster's seed list.
struct RedisNodeAddress {
    std::string host;
    int port = 6379;
    bool operator==(const RedisNodeAddress&) const = default;
};

struct RedisEndpoint {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string unix_path;  // when set, host and port are unused
    int db = 0;
    std::string user;
    std::string password;
    // A cluster's seed nodes (redis+cluster://); empty for one server. The
    // first is also in host and port.
    std::vector<RedisNodeAddress> cluster;

    bool is_cluster() const { return !cluster.empty(); }
    // The URL without the password, for logs.
    std::string describe() const;
};

// Parses `url`. On failure `*error` quotes the URL with its credentials
// masked (mask_redis_url), never the password.
std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error = nullptr);

// `url` as a message may show it: whatever stands before the last '@'
// (after the scheme) is credentials, kept as "user:****" or "****":
// "redis://huitou:pw@h:6379/0" → "redis://huitou:****@h:6379/0". Works on
// malformed URLs too: that is when they get quoted.
std::string mask_redis_url(std::string_view url);

}  // namespace huitou
