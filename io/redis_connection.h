// redis_connection.h — one connection to Redis, hiredis wrapped once.
//
// hiredis 0.14 (Debian 12) behind a move-only RAII handle. Every command goes
// through redisAppendCommandArgv — binary-safe, no format strings, so a
// member's name can never become part of a command. Replies are copied into
// RedisReply values and freed at once.
//
// Errors in two kinds, kept apart because they call for opposite answers: a
// broken connection (refused, reset, timed out) throws RedisError, caught by
// the process's main loop, which backs off and calls reconnect() — waiting
// helps. A reply that *is* an error (a Lua error, WRONGTYPE, OOM) comes back
// as a value with type `error`, because the caller may know what it means
// (NOSCRIPT); one it does not expect becomes RedisReplyError through
// expect_ok — Redis is there and refused the request, so waiting does not
// help: the caller fails the job or batch and says which script and reply.
// Pipelining is explicit: append() any number of commands, then read() as
// many replies. Not thread-safe: one connection per thread.
// A redis+cluster:// endpoint makes this a Redis Cluster behind the same
// interface (io/redis_cluster.h): callers do not know which they hold. The
// one-server path pays one pointer test a call for it.
// It also carries the shard records of the stores it has routed
// (io/shard_map.h), because every io class already takes the connection and
// nothing else, and a record read must know whether replies are pending.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/redis_url.h"

struct redisContext;

namespace huitou {

class RedisCluster;
class ShardCache;

// Redis cannot be reached: an outage, worth waiting out.
class RedisError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Redis answered with an error, or with a reply of the wrong shape: a bug or
// damaged data, not an outage. Deliberately not a RedisError, so no outage
// handler retries it forever.
class RedisReplyError : public std::runtime_error {
  public:
    // `request`: the script or command ("claim_due", "HGETALL job");
    // `reply`: what Redis said.
    RedisReplyError(std::string request, std::string reply);
    const std::string& request() const { return request_; }
    const std::string& reply() const { return reply_; }

  private:
    std::string request_;
    std::string reply_;
};

struct RedisReply {
    enum class Type { nil, status, error, integer, string, array };
    Type type = Type::nil;
    long long integer = 0;
    std::string str;  // status, error or string
    std::vector<RedisReply> elements;

    bool is_nil() const { return type == Type::nil; }
    bool is_error() const { return type == Type::error; }
    // Throws RedisReplyError if the reply is an error reply (for commands
    // whose failure is a bug or damaged data, not an expected outcome).
    const RedisReply& expect_ok(std::string_view what) const;
};

using RedisCommand = std::vector<std::string>;

class RedisConnection {
  public:
    // Connects, authenticates and selects the database; for a cluster,
    // loads its slot map (nodes are connected when first used). Throws
    // RedisError.
    explicit RedisConnection(RedisEndpoint endpoint,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~RedisConnection();
    RedisConnection(RedisConnection&&) noexcept;
    RedisConnection& operator=(RedisConnection&&) noexcept;
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    // Sends one command and returns its reply. Throws RedisError.
    RedisReply command(const RedisCommand& args);

    // Pipelining: queue commands, then read one reply per command, in order.
    void append(const RedisCommand& args);
    RedisReply read();
    // Writes the queued commands out now, without reading a reply, so that
    // Redis works on them while the caller does something else (hiredis
    // would otherwise send them at the next read()). Blocks until the kernel
    // has taken every byte. Throws RedisError.
    void flush();
    // Sends `commands` in one round trip and returns their replies.
    std::vector<RedisReply> pipeline(const std::vector<RedisCommand>& commands);
    // Sends a keyless command to the server that holds `key` — on a cluster
    // the master of its slot, as the map knows it now — and returns its
    // reply. For WAIT, which acts on the writes this client made on one
    // node. Nothing may be pending. Throws RedisError.
    RedisReply command_at(std::string_view key, const RedisCommand& args);

    // Drops the connection and connects again. Throws RedisError.
    void reconnect();

    const RedisEndpoint& endpoint() const { return endpoint_; }
    std::size_t reconnects() const { return reconnects_; }
    // The cluster behind this connection, or null for one server.
    const RedisCluster* cluster() const { return cluster_.get(); }

    // Commands appended and their replies not yet read (a pipeline under way).
    std::size_t pending() const { return pending_; }
    // The stores' shard records as read through this connection (io/shard_map.h).
    ShardCache& shard_cache();

  private:
    struct ContextFree {
        void operator()(redisContext* c) const;
    };
    void connect();
    [[noreturn]] void fail(std::string_view what);

    RedisEndpoint endpoint_;
    std::chrono::milliseconds timeout_;
    std::unique_ptr<redisContext, ContextFree> context_;
    std::unique_ptr<RedisCluster> cluster_;  // set for a cluster; then context_ is unused
    std::size_t reconnects_ = 0;
    std::size_t pending_ = 0;
    std::unique_ptr<ShardCache> shard_cache_;
};

}  // namespace huitou
