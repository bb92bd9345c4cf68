// redis_cluster.h — a Redis Cluster behind the one-connection interface.
//
// Debian 12's hiredis (0.14) speaks to one server, and Debian ships no
// maintained C or C++ cluster client, so this is the thin layer over it that
// RedisConnection uses when the URL is redis+cluster://. A cluster splits the
// keys into 16384 slots, CRC16 (XMODEM) of a key's hash tag — the text
// between the first '{' and the next '}' — modulo 16384; each master serves
// some slots. huitou puts every key of a store under the tag {S}, so every
// command and Lua script touches one slot, and the layer only has to send
// each command where its slot lives:
//   - the slot map comes from CLUSTER SHARDS of any node that answers (the
//     URL's seeds, then the masters known), loaded at start and again after
//     a connection fails (a master died, a replica took over);
//   - one hiredis connection a master, opened when first needed;
//   - each appended command goes to the master of its first key's slot
//     (EVAL/EVALSHA: the first of KEYS; SCAN: the tag of its MATCH pattern,
//     else every master in turn behind one cursor); SCRIPT and FLUSHALL go to
//     every master; keyless commands to any (WAIT, by command_at, to the
//     master of the key it names); MULTI waits for the next
//     command with a key and EXEC, DISCARD, UNWATCH follow it;
//   - replies come back in the order the commands were appended, whichever
//     node answers first;
//   - MOVED updates the slot and sends the command again where it points;
//     ASK sends ASKING and the command to the named node, once; NOSCRIPT
//     (a replica promoted without the script cache) loads the script that
//     this connection loaded before and runs the call again. A redirect
//     inside MULTI cannot be replayed alone: that is a RedisError, and the
//     caller's outage handling tries the whole transaction again;
//   - a connection error drops every node's connection and the unread
//     replies and throws RedisError, as one server does; the map is loaded
//     again at the next command.
// Not done: reading from replicas, TLS (one server has none either), a
// cross-slot command split up (huitou sends none; Redis answers CROSSSLOT).
// INFO and DBSIZE answer for one master only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/redis_connection.h"

namespace huitou {

inline constexpr int kClusterSlots = 16384;

// CRC16-CCITT (XMODEM), the Redis Cluster spec's: "123456789" → 0x31C3.
std::uint16_t crc16(std::string_view bytes);
// The slot of `key`: of its hash tag when it has a non-empty one.
int key_slot(std::string_view key);

// Where a command goes on a cluster.
struct CommandRoute {
    enum class Kind {
        key,          // to the master of args[key]'s slot
        any,          // keyless: any master
        every,        // to every master (SCRIPT, FLUSHALL, FLUSHDB)
        transaction,  // MULTI, EXEC, DISCARD, UNWATCH: with the transaction's keys
        scan,         // SCAN: by its MATCH pattern's tag, else across every master
    };
    Kind kind = Kind::any;
    std::size_t key = 0;  // Kind::key: the argument holding the first key
};
CommandRoute route_of(const RedisCommand& args);

// The slot a SCAN's MATCH pattern is confined to: its hash tag, when nothing
// before or inside it is a glob character; nullopt when it may match keys of
// any slot.
std::optional<int> scan_slot(const RedisCommand& args);

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381".
struct Redirect {
    bool ask = false;
    int slot = 0;
    RedisNodeAddress node;
};
std::optional<Redirect> parse_redirect(std::string_view error);

// CLUSTER SHARDS (RESP2) → the slot ranges of each shard whose master is
// online. Throws RedisReplyError on a reply of the wrong shape.
struct SlotRange {
    int first = 0;
    int last = 0;
    RedisNodeAddress master;
};
std::vector<SlotRange> parse_cluster_shards(const RedisReply& reply);

class RedisCluster {
  public:
    // Loads the slot map from the first seed of `endpoint.cluster` that
    // answers. Throws RedisError when none does.
    RedisCluster(RedisEndpoint endpoint, std::chrono::milliseconds timeout);

    // As RedisConnection's: replies in the order commands were appended.
    // Throw RedisError.
    void append(const RedisCommand& args);
    // Appends a keyless command (WAIT) for the master of `key`'s slot.
    void append_at(std::string_view key, const RedisCommand& args);
    RedisReply read();
    void flush();
    // Drops every connection and loads the slot map again. Throws RedisError.
    void reconnect();

    // MOVED and ASK replies followed so far (tests, logs).
    std::size_t redirects() const { return redirects_; }

  private:
    static constexpr std::uint64_t kIgnore = ~std::uint64_t{0};

    struct Entry {
        RedisCommand args;  // kept to send again after a redirect
        std::optional<RedisReply> reply;
        int node = -1;         // where it was sent last; -1: a MULTI not sent yet
        int waiting = 0;       // replies still to come (every master: more than one)
        int retries = 0;       // redirects and NOSCRIPT loads
        int scan_master = -1;  // a SCAN across masters: which one, in masters_
        bool in_transaction = false;
        bool script_load = false;
    };
    struct Node {
        RedisNodeAddress address;
        std::optional<RedisConnection> connection;
        std::deque<std::uint64_t> waiting;  // the entries whose replies it owes, in order
    };

    void load_map();
    int node_index(const RedisNodeAddress& address);
    int master_of(int slot);
    int any_master() const;
    RedisConnection& connection(int node);
    void send(int node, const RedisCommand& args, std::uint64_t seq);
    void send_held_multi(int node);
    void route(Entry& entry, std::uint64_t seq);
    void pump(int node);
    void deliver(int node, std::uint64_t seq, RedisReply reply);
    Entry& entry(std::uint64_t seq) { return queue_[seq - first_]; }
    [[noreturn]] void fail(const std::string& why);
    void drop_all();

    RedisEndpoint endpoint_;
    std::chrono::milliseconds timeout_;
    std::vector<Node> nodes_;
    std::array<int, kClusterSlots> slots_{};  // slot → node index, -1 unknown
    std::vector<int> masters_;                // node indices, in address order
    bool map_stale_ = false;
    std::deque<Entry> queue_;  // appended, not read yet
    std::uint64_t first_ = 0;  // sequence number of queue_.front()
    int last_node_ = -1;       // the node of the last command with a key
    // A transaction between MULTI and EXEC/DISCARD: its node once a command
    // with a key said it, and the MULTI held until then.
    bool in_transaction_ = false;
    int transaction_node_ = -1;
    int transaction_slot_ = -1;
    std::optional<std::uint64_t> held_multi_;
    std::map<std::string, std::string> scripts_;  // SHA → source, of SCRIPT LOADs sent
    std::size_t redirects_ = 0;
};

}  // namespace huitou
