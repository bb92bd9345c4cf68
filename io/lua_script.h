// lua_script.h — a Lua script that runs in Redis, by its SHA.
//
// The scripts (scripts/*.lua) are embedded in the binary. A script is called
// with EVALSHA; when Redis answers NOSCRIPT (a restarted server, SCRIPT FLUSH,
// a fresh replica after failover) it is loaded again and the call repeated —
// every script is written so that repeating it after NOSCRIPT is safe, since
// NOSCRIPT means it did not run.
//
// The slot guard. Redis runs no script half: except on a Redis Cluster
// while the script's slot moves to another master. Then Redis checks the
// keys a script declares before it runs (all on this node: run here; none:
// ASK the new master; some: TRYAGAIN), but a key the script finds only as
// it runs — a member's hash or a job's, named from the store's prefix —
// may have moved already, and Redis stops the script at that command with
// the writes before it kept ("Script attempted to access a non local key",
// tried in docs/operations.md). So a script that names keys it did not
// declare says "--#guard": its callers' keys get one more, the store's
// slot guard `hu:{S}:slot-guard` (the first key's hash tag), a key that
// never exists. While the slot moves, a declared key is then always
// missing, so Redis answers TRYAGAIN (an outage to wait out: RedisError)
// on either node and the script does not start; when the slot has moved,
// a missing key means nothing again. The script takes the guard off KEYS
// first thing, so it reads its keys as written.
//
// The fence (docs/architecture.md, "A store over K shards"). While
// `huitou reshard` copies a store into another number of shards, nothing may
// write into the layout being copied. A script that touches a shard's keys
// says "--#fence": its callers' keys get one more, `hu:{T}:frozen` (T the
// first key's hash tag: the shard's), and the script reads it first thing —
// `copy` answers the error "FROZEN copy <fence key>" before anything is written;
// `drain` lets it run (results and requeues go on) but leaves the value in
// `fence_state` for the script: claim_due.lua answers "FROZEN drain", so
// in-flight work only shrinks. Absent (every store, nearly always): the
// script runs as written, for one GET more. `run` and `run_all` turn a
// FROZEN answer into StoreFrozen, after every reply of their pipeline is
// read, and drop the connection's cached shard record of the store, so the
// next routing reads it again (io/shard_map.h). A caller that reads script
// replies itself (`send`) calls `throw_if_frozen` before it checks one.
// With --#guard too, "--#guard" comes first: the guard is the last key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/redis_connection.h"

namespace huitou {

// A fenced script (or a watched write) met its shard's fence: the store is
// being resharded. An outage of one store, not a bug: a RedisError, so every
// door that answers "try again" (503) for an outage does so here, and a
// worker keeps its result for later; the scheduler skips the store's step
// for the turn without taking Redis for gone (scheduler.cpp, for_store).
class StoreFrozen : public RedisError {
  public:
    // `tag`: the shard's hash tag; `phase`: the fence's value ("copy", "drain").
    StoreFrozen(std::string tag, std::string phase);
    const std::string& tag() const { return tag_; }
    const std::string& phase() const { return phase_; }
    // The store the shard belongs to.
    std::string store() const;

  private:
    std::string tag_;
    std::string phase_;
};

class LuaScript {
  public:
    // The embedded script "scripts/<name>.lua". Throws std::logic_error if
    // there is none (a build error, not an environment one).
    explicit LuaScript(std::string_view name);

    // Runs the script. Throws RedisError on connection failure, StoreFrozen
    // when its fence is up; an error raised by the script comes back as an
    // error reply.
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
    // Whether the script takes the slot guard; the guard of a first key.
    bool guarded() const { return guarded_; }
    static std::string slot_guard_key(std::string_view first_key);
    // Whether the script reads its shard's fence; the fence of a first key.
    bool fenced() const { return fenced_; }
    static std::string fence_key(std::string_view first_key);
    // A reply "FROZEN <phase> <fence key>" from a fenced script: throws
    // StoreFrozen (and forgets the store's cached shard record on `redis`).
    // Any other reply: nothing.
    static void throw_if_frozen(RedisConnection& redis, const RedisReply& reply);
    const std::string& sha() const { return sha_; }

  private:
    RedisCommand evalsha(const std::vector<std::string>& keys,
                         const std::vector<std::string>& args) const;

    std::string name_;
    std::string source_;
    std::string sha_;
    bool guarded_ = false;
    bool fenced_ = false;
};

}  // namespace huitou
