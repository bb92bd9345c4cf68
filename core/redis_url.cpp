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

}  // namespace

std::string RedisEndpoint::describe() const {
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
    if (!url.starts_with("redis://")) return fail("expected redis:// or unix://");
    std::string_view rest = url.substr(8);
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
    if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        const auto port = to_int(rest.substr(colon + 1));
        if (!port || *port <= 0 || *port > 65535) return fail("bad port");
        ep.port = *port;
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) return fail("missing host");
    ep.host = rest;
    return ep;
}

}  // namespace huitou
