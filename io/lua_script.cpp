#include "io/lua_script.h"

#include <openssl/sha.h>

#include <stdexcept>

#include "core/embedded_files.h"
#include "core/store_shards.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

std::string sha1_hex(std::string_view text) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 0xF]);
    }
    return out;
}

// A line "--#include <name>" becomes the embedded scripts/<name>.lua: the
// few helpers several scripts share (webhook_event.lua) are written once.
// Redis sees one script, so its SHA covers what was included. A line
// "--#guard" becomes the code that takes the slot guard (see below) off
// the end of KEYS, so the script sees its keys as its callers wrote them;
// "--#fence" the code that takes the fence off and reads it (lua_script.h).
std::string with_includes(std::string_view name, std::string_view source, bool& guarded,
                          bool& fenced) {
    static constexpr std::string_view directive = "--#include ";
    static constexpr std::string_view guard = "--#guard";
    static constexpr std::string_view fence = "--#fence";
    std::string out;
    std::size_t start = 0;
    while (start < source.size()) {
        std::size_t end = source.find('\n', start);
        if (end == std::string::npos) end = source.size();
        const std::string_view line = source.substr(start, end - start);
        if (line == guard) {
            // The guard is the last key, the fence before it: taken off in that order.
            if (fenced)
                throw std::logic_error("script " + std::string(name) +
                                       ": --#guard must come before --#fence");
            guarded = true;
            out += "local slot_guard = table.remove(KEYS)  -- io/lua_script.h\n";
        } else if (line == fence) {
            fenced = true;
            // The reply names the fence, so a caller that reads replies
            // itself knows whose it is (throw_if_frozen).
            out +=
                "local fence = table.remove(KEYS)  -- io/lua_script.h\n"
                "local fence_state = redis.call('GET', fence)\n"
                "if fence_state == 'copy' then return redis.error_reply('FROZEN copy ' .. fence) "
                "end\n";
        } else if (line.starts_with(directive)) {
            const std::string name(line.substr(directive.size()));
            const auto included = embedded_file("scripts/" + name + ".lua");
            if (!included) throw std::logic_error("no embedded script " + name + " to include");
            out += *included;
            if (!out.ends_with('\n')) out += '\n';
        } else {
            out.append(line);
            out += '\n';
        }
        start = end + 1;
    }
    return out;
}

// The text a key hashes by in a cluster: its tag, or all of it.
std::string_view hash_part(std::string_view key) {
    const auto open = key.find('{');
    if (open == std::string_view::npos) return key;
    const auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

bool is_noscript(const RedisReply& r) {
    return r.is_error() && r.str.starts_with("NOSCRIPT");
}

constexpr std::string_view frozen_prefix = "FROZEN ";

bool is_frozen(const RedisReply& r) {
    return r.is_error() && r.str.starts_with(frozen_prefix);
}

}  // namespace

LuaScript::LuaScript(std::string_view name) : name_(name) {
    const auto source = embedded_file("scripts/" + std::string(name) + ".lua");
    if (!source) throw std::logic_error("no embedded script " + std::string(name));
    source_ = with_includes(name, *source, guarded_, fenced_);
    sha_ = sha1_hex(source_);
}

RedisCommand LuaScript::evalsha(const std::vector<std::string>& keys,
                                const std::vector<std::string>& args) const {
    RedisCommand c;
    c.reserve(3 + keys.size() + args.size());
    c.push_back("EVALSHA");
    c.push_back(sha_);
    c.push_back(std::to_string(keys.size()));
    c.insert(c.end(), keys.begin(), keys.end());
    if (fenced_ && !keys.empty()) c.push_back(fence_key(keys.front()));
    if (guarded_ && !keys.empty()) c.push_back(slot_guard_key(keys.front()));
    c[2] = std::to_string(c.size() - 3);
    c.insert(c.end(), args.begin(), args.end());
    return c;
}

std::string LuaScript::slot_guard_key(std::string_view first_key) {
    return "hu:{" + std::string(hash_part(first_key)) + "}:slot-guard";
}

std::string LuaScript::fence_key(std::string_view first_key) {
    return "hu:{" + std::string(hash_part(first_key)) + "}:frozen";
}

void LuaScript::throw_if_frozen(RedisConnection& redis, const RedisReply& reply) {
    if (!is_frozen(reply)) return;
    // "FROZEN <phase> <fence key>"
    const std::string_view rest = std::string_view(reply.str).substr(frozen_prefix.size());
    const auto space = rest.find(' ');
    const std::string_view phase = rest.substr(0, space);
    const std::string_view fence =
        space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    StoreFrozen frozen(std::string(hash_part(fence)), std::string(phase));
    forget_shards(redis, frozen.store());
    throw frozen;
}

StoreFrozen::StoreFrozen(std::string tag, std::string phase)
    : RedisError("store shard {" + tag + "} is frozen (" + phase +
                 "): a reshard is under way (huitou reshard); try again later"),
      tag_(std::move(tag)),
      phase_(std::move(phase)) {}

std::string StoreFrozen::store() const {
    if (const auto shard = parse_shard_tag(tag_)) return shard->store;
    return tag_;
}

void LuaScript::load(RedisConnection& redis) const {
    const auto reply = redis.command({"SCRIPT", "LOAD", source_});
    reply.expect_ok("SCRIPT LOAD " + name_);
    if (reply.str != sha_)
        throw RedisReplyError("SCRIPT LOAD " + name_, "unexpected SHA " + reply.str);
}

void LuaScript::send(RedisConnection& redis, const Call& call) const {
    redis.append(evalsha(call.keys, call.args));
}

RedisReply LuaScript::run(RedisConnection& redis, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args) const {
    auto reply = redis.command(evalsha(keys, args));
    if (is_noscript(reply)) {
        load(redis);
        reply = redis.command(evalsha(keys, args));
    }
    throw_if_frozen(redis, reply);
    return reply;
}

std::vector<RedisReply> LuaScript::run_many(RedisConnection& redis,
                                            const std::vector<Call>& calls) const {
    std::vector<ScriptCall> all;
    all.reserve(calls.size());
    for (const auto& call : calls)
        all.push_back({this, &call});
    return run_all(redis, all);
}

std::vector<RedisReply> LuaScript::run_all(RedisConnection& redis,
                                           const std::vector<ScriptCall>& calls) {
    for (const auto& c : calls)
        redis.append(c.script->evalsha(c.call->keys, c.call->args));
    std::vector<RedisReply> replies;
    replies.reserve(calls.size());
    bool missing = false;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        replies.push_back(redis.read());
        missing = missing || is_noscript(replies.back());
    }
    if (missing) {
        const LuaScript* loaded = nullptr;
        for (std::size_t i = 0; i < calls.size(); ++i) {
            if (!is_noscript(replies[i])) continue;
            const LuaScript& script = *calls[i].script;
            if (loaded != &script) script.load(redis);
            loaded = &script;
            replies[i] = redis.command(script.evalsha(calls[i].call->keys, calls[i].call->args));
        }
    }
    // Every reply is read: the connection is clean for whoever catches this.
    for (const auto& reply : replies)
        throw_if_frozen(redis, reply);
    return replies;
}

}  // namespace huitou
