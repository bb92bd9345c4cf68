#include "tests/support/test_redis.h"

#include <algorithm>
#include <csignal>
#include <stdexcept>

namespace huitou::test {

TestRedis::TestRedis(bool append_only) : append_only_(append_only), port_(free_port()) {
    start();
}

TestRedis::~TestRedis() {
    stop();
}

RedisEndpoint TestRedis::endpoint() const {
    return *parse_redis_url(url());
}

RedisConnection TestRedis::connect() const {
    return RedisConnection(endpoint());
}

void TestRedis::start() {
    for (int attempt = 0; attempt < 5; ++attempt) {
        server_ = std::make_unique<Process>(
            std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_),
                                     "--bind", "127.0.0.1", "--dir", dir_.path(), "--save", "",
                                     "--appendonly", append_only_ ? "yes" : "no", "--appendfsync",
                                     "everysec", "--daemonize", "no"},
            std::vector<std::string>{}, dir_.file("redis.log"));
        const bool up = eventually(
            [&] {
                if (!server_->running()) return false;
                try {
                    return connect().command({"PING"}).str == "PONG";
                } catch (const RedisError&) {
                    return false;
                }
            },
            std::chrono::seconds(10));
        if (up) return;
        // The port was taken between free_port() and bind: try another.
        server_.reset();
        port_ = free_port();
    }
    throw std::runtime_error("redis-server did not start; see " + dir_.file("redis.log"));
}

void TestRedis::stop() {
    if (server_) server_->stop();
    server_.reset();
}

void TestRedis::restart(bool crash) {
    if (server_) {
        if (crash) {
            server_->signal(SIGKILL);
            server_->wait(std::chrono::seconds(5));
        } else {
            server_->stop();
        }
    }
    server_.reset();
    start();
}

std::map<std::string, std::string> snapshot(RedisConnection& redis) {
    std::map<std::string, std::string> out;
    std::string cursor = "0";
    do {
        const auto reply = redis.command({"SCAN", cursor, "COUNT", "1000"});
        cursor = reply.elements[0].str;
        for (const auto& key : reply.elements[1].elements) {
            const auto dump = redis.command({"DUMP", key.str});
            const auto ttl = redis.command({"PTTL", key.str});
            out[key.str] = dump.str + (ttl.integer > 0 ? "|expires" : "|kept");
        }
    } while (cursor != "0");
    return out;
}

std::vector<std::string> keys_matching(RedisConnection& redis, const std::string& pattern) {
    std::vector<std::string> out;
    std::string cursor = "0";
    do {
        const auto reply = redis.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
        reply.expect_ok("SCAN");
        cursor = reply.elements.at(0).str;
        for (const auto& k : reply.elements.at(1).elements)
            out.push_back(k.str);
    } while (cursor != "0");
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace huitou::test
