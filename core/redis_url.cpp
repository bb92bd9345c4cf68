#include "core/redis_url.h"

#include <charconv>

namespace huitou {
namespace {

std::optional<int> to_int(std::string_view s) {
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

// "host[:port]"; a failure goes through `fail`, which says why.
template <typename Fail>
std::optional<RedisNodeAddress> parse_node(std::string_view text, const Fail& fail) {
    RedisNodeAddress node;
    if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        const auto port = to_int(text.substr(colon + 1));
        if (!port || *port <= 0 || *port > 65535) {
            fail("bad port");
            return std::nullopt;
        }
        node.port = *port;
        text = text.substr(0, colon);
    }
    if (text.empty()) {
        fail("missing host");
        return std::nullopt;
    }
    node.host = text;
    return node;
}

}  // namespace

std::string RedisEndpoint::describe() const {
    if (is_cluster()) {
        std::string out = "redis+cluster://";
        for (const auto& node : cluster) {
            if (&node != &cluster.front()) out += ',';
            out += node.host + ":" + std::to_string(node.port);
        }
        return out;
    }
    if (!unix_path.empty()) return "unix://" + unix_path + "?db=" + std::to_string(db);
    return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::string mask_redis_url(std::string_view url) {
    const auto at = url.rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    const auto scheme = url.find("://");
    const std::size_t start = scheme != std::string_view::npos && scheme < at ? scheme + 3 : 0;
    const std::string_view credentials = url.substr(start, at - start);
    const auto colon = credentials.find(':');
    // "user:password" keeps the user; a lone word before '@' is the password.
    const std::string masked = colon == std::string_view::npos
                                   ? "****"
                                   : std::string(credentials.substr(0, colon)) + ":****";
    return std::string(url.substr(0, start)) + masked + std::string(url.substr(at));
}

std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<RedisEndpoint> {
        if (error) *error = "Redis URL \"" + mask_redis_url(url) + "\": " + why;
        return std::nullopt;
    };
    RedisEndpoint ep;
    if (url.starts_with("unix://")) {
        std::string_view rest = url.substr(7);
        if (const auto q = rest.find('?'); q != std::string_view::npos) {
            const std::string_view query = rest.substr(q + 1);
            rest = rest.substr(0, q);
            if (!query.starts_with("db=")) return fail("only ?db=N is understood");
            const auto db = to_int(query.substr(3));
            if (!db || *db < 0) return fail("db must be a number");
            ep.db = *db;
        }
        if (rest.empty() || rest.front() != '/') return fail("expected an absolute socket path");
        ep.unix_path = rest;
        return ep;
    }
    const bool cluster = url.starts_with("redis+cluster://");
    if (!cluster && !url.starts_with("redis://"))
        return fail("expected redis://, redis+cluster:// or unix://");
    std::string_view rest = url.substr(cluster ? 16 : 8);
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view credentials = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const auto colon = credentials.find(':');
        if (colon == std::string_view::npos) {
            ep.password = credentials;
        } else {
            ep.user = credentials.substr(0, colon);
            ep.password = credentials.substr(colon + 1);
        }
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        const std::string_view db = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (!db.empty()) {
            const auto n = to_int(db);
            if (!n || *n < 0) return fail("the database after '/' must be a number");
            ep.db = *n;
        }
    }
    if (!cluster) {
        const auto node = parse_node(rest, fail);
        if (!node) return std::nullopt;
        ep.host = node->host;
        ep.port = node->port;
        return ep;
    }
    if (ep.db != 0) return fail("a Redis Cluster has only database 0");
    while (true) {
        const auto comma = rest.find(',');
        const auto node = parse_node(rest.substr(0, comma), fail);
        if (!node) return std::nullopt;
        ep.cluster.push_back(*node);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    ep.host = ep.cluster.front().host;
    ep.port = ep.cluster.front().port;
    return ep;
}

}  // namespace huitou
