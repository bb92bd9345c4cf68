// lua_script.h — a Lua script that runs in Redis, by its SHA.
//
// The scripts (scripts/*.lua) are embedded in the binary. A script is called
// with EVALSHA; when Redis answers NOSCRIPT (a restarted server, SCRIPT FLUSH,
// a fresh replica after failover) it is loaded again and the call repeated —
// every script is written so that repeating it after NOSCRIPT is safe, since
// NOSCRIPT means it did not run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/redis_connection.h"

namespace huitou {

class LuaScript {
  public:
    // The embedded script "scripts/<name>.lua". Throws std::logic_error if
    // there is none (a build error, not an environment one).
    explicit LuaScript(std::string_view name);

    // Runs the script. Throws RedisError on connection failure; an error
    // raised by the script comes back as an error reply.
    RedisReply run(RedisConnection& redis, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) const;

    // Runs the script once per (keys, args) call in one pipeline; replies in order.
    struct Call {
        std::vector<std::string> keys;
        std::vector<std::string> args;
    };
    std::vector<RedisReply> run_many(RedisConnection& redis, const std::vector<Call>& calls) const;

    // Calls of several scripts in one pipeline; replies in order. Calls
    // answered NOSCRIPT are run again after their script is loaded, so the
    // calls of one pipeline must not depend on each other's order.
    struct ScriptCall {
        const LuaScript* script;
        const Call* call;  // not owned: outlives run_all
    };
    static std::vector<RedisReply> run_all(RedisConnection& redis,
                                           const std::vector<ScriptCall>& calls);

    // Pipelining across other work: `send` appends one call without reading
    // its reply (read it with redis.read(), in order). It does not handle
    // NOSCRIPT: call `load` first. Throws RedisError.
    void send(RedisConnection& redis, const Call& call) const;
    // SCRIPT LOAD: makes sure the server has the script. Throws RedisError.
    void load(RedisConnection& redis) const;

    const std::string& name() const { return name_; }
    const std::string& sha() const { return sha_; }

  private:
    RedisCommand evalsha(const std::vector<std::string>& keys,
                         const std::vector<std::string>& args) const;

    std::string name_;
    std::string source_;
    std::string sha_;
};

}  // namespace huitou
