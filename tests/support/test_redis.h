// test_redis.h — a private redis-server for one test.
//
// Started on a free loopback port in a temporary directory, with persistence
// off (or AOF on, for tests that restart it), and killed by the destructor.
// Tests never share a server, so they can run in parallel and in any order.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/redis_connection.h"
#include "tests/support/process.h"

namespace huitou::test {

class TestRedis {
  public:
    // Starts redis-server and waits until it answers PING. Throws std::runtime_error.
    explicit TestRedis(bool append_only = false);
    ~TestRedis();

    int port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
    RedisEndpoint endpoint() const;
    RedisConnection connect() const;

    // Stops the server (SIGKILL when `crash`) and starts it again on the same
    // port and directory.
    void restart(bool crash = false);
    void stop();
    void start();

  private:
    TempDir dir_;
    bool append_only_;
    int port_ = 0;
    std::unique_ptr<Process> server_;
};

// Every key with its DUMP and whether it expires: what "changes nothing"
// means for a read-only command or route (compare before and after).
std::map<std::string, std::string> snapshot(RedisConnection& redis);

// Every key matching `pattern`, sorted (SCAN; on a cluster over every master,
// or the master of the pattern's hash tag).
std::vector<std::string> keys_matching(RedisConnection& redis, const std::string& pattern);

}  // namespace huitou::test
