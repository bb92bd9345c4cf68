#include "io/redis_cluster.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace huitou {
namespace {

// Sending a command again after this many redirects means the cluster keeps
// changing its mind: the reply is passed on as it is.
constexpr int kMaxRetries = 5;

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool is(std::string_view word, std::string_view upper_word) {
    return word.size() == upper_word.size() && upper(word) == upper_word;
}

std::optional<long long> to_number(std::string_view s) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// The text a key or pattern hashes by: its tag, or all of it.
std::string_view hash_part(std::string_view key) {
    const auto open = key.find('{');
    if (open == std::string_view::npos) return key;
    const auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

RedisNodeAddress parse_address(std::string_view text) {
    RedisNodeAddress a;
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return a;
    a.host = text.substr(0, colon);
    // "host:port@cport" in some replies: the bus port is not ours.
    auto port = text.substr(colon + 1);
    port = port.substr(0, port.find('@'));
    a.port = static_cast<int>(to_number(port).value_or(0));
    return a;
}

bool is_glob(char c) {
    return c == '*' || c == '?' || c == '[' || c == '\\';
}

// A RESP2 "map": a flat array of name, value, name, value...
const RedisReply* field(const RedisReply& map, std::string_view name) {
    for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2)
        if (map.elements[i].str == name) return &map.elements[i + 1];
    return nullptr;
}

long long as_number(const RedisReply& r) {
    if (r.type == RedisReply::Type::integer) return r.integer;
    if (const auto n = to_number(r.str)) return *n;
    throw RedisReplyError("CLUSTER SHARDS", "not a number: " + r.str);
}

}  // namespace

std::uint16_t crc16(std::string_view bytes) {
    std::uint16_t crc = 0;
    for (const char c : bytes) {
        crc ^= static_cast<std::uint16_t>(static_cast<unsigned char>(c) << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<std::uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

int key_slot(std::string_view key) {
    return crc16(hash_part(key)) % kClusterSlots;
}

CommandRoute route_of(const RedisCommand& args) {
    using K = CommandRoute::Kind;
    if (args.empty()) return {K::any};
    const std::string name = upper(args[0]);
    if (name == "EVALSHA" || name == "EVAL" || name == "EVALSHA_RO" || name == "EVAL_RO" ||
        name == "FCALL" || name == "FCALL_RO") {
        const auto keys = args.size() > 2 ? to_number(args[2]) : std::nullopt;
        return keys && *keys > 0 && args.size() > 3 ? CommandRoute{K::key, 3}
                                                    : CommandRoute{K::any};
    }
    if (name == "MULTI" || name == "EXEC" || name == "DISCARD" || name == "UNWATCH")
        return {K::transaction};
    if (name == "SCAN") return {K::scan};
    if (name == "SCRIPT" || name == "FLUSHALL" || name == "FLUSHDB") return {K::every};
    if (name == "XREAD" || name == "XREADGROUP") {
        for (std::size_t i = 1; i + 1 < args.size(); ++i)
            if (is(args[i], "STREAMS")) return {K::key, i + 1};
        return {K::any};
    }
    // A subcommand, then the key.
    if ((name == "MEMORY" && args.size() > 2 && is(args[1], "USAGE")) || name == "OBJECT" ||
        name == "XINFO" || name == "XGROUP") {
        return args.size() > 2 ? CommandRoute{K::key, 2} : CommandRoute{K::any};
    }
    static constexpr std::string_view keyless[] = {
        "PING",    "INFO",     "TIME",      "DBSIZE", "CLUSTER",  "COMMAND",      "CONFIG",
        "CLIENT",  "ECHO",     "SELECT",    "AUTH",   "HELLO",    "MEMORY",       "SLOWLOG",
        "LATENCY", "DEBUG",    "ROLE",      "WAIT",   "LASTSAVE", "RANDOMKEY",    "KEYS",
        "ASKING",  "READONLY", "READWRITE", "SAVE",   "BGSAVE",   "BGREWRITEAOF", "ACL"};
    if (args.size() < 2 ||
        std::find(std::begin(keyless), std::end(keyless), name) != std::end(keyless)) {
        return {K::any};
    }
    return {K::key, 1};
}

std::optional<int> scan_slot(const RedisCommand& args) {
    for (std::size_t i = 2; i + 1 < args.size(); ++i) {
        if (!is(args[i], "MATCH")) continue;
        const std::string_view pattern = args[i + 1];
        const auto open = pattern.find('{');
        const auto close = open == std::string_view::npos ? open : pattern.find('}', open + 1);
        if (close == std::string_view::npos || close == open + 1) return std::nullopt;
        // A glob before the tag could match keys whose first '{' comes earlier.
        if (std::any_of(pattern.begin(), pattern.begin() + static_cast<long>(close), is_glob))
            return std::nullopt;
        return crc16(pattern.substr(open + 1, close - open - 1)) % kClusterSlots;
    }
    return std::nullopt;
}

std::optional<Redirect> parse_redirect(std::string_view error) {
    Redirect r;
    if (error.starts_with("MOVED ")) {
        error.remove_prefix(6);
    } else if (error.starts_with("ASK ")) {
        r.ask = true;
        error.remove_prefix(4);
    } else {
        return std::nullopt;
    }
    const auto space = error.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const auto slot = to_number(error.substr(0, space));
    if (!slot || *slot < 0 || *slot >= kClusterSlots) return std::nullopt;
    r.slot = static_cast<int>(*slot);
    r.node = parse_address(error.substr(space + 1));
    if (r.node.host.empty() || r.node.port <= 0) return std::nullopt;
    return r;
}

std::vector<SlotRange> parse_cluster_shards(const RedisReply& reply) {
    reply.expect_ok("CLUSTER SHARDS");
    std::vector<SlotRange> out;
    for (const auto& shard : reply.elements) {
        const auto* slots = field(shard, "slots");
        const auto* nodes = field(shard, "nodes");
        if (!slots || !nodes)
            throw RedisReplyError("CLUSTER SHARDS", "a shard without slots or nodes");
        std::optional<RedisNodeAddress> master;
        for (const auto& node : nodes->elements) {
            const auto* role = field(node, "role");
            const auto* health = field(node, "health");
            if (!role || role->str != "master" || (health && health->str != "online")) continue;
            const auto* endpoint = field(node, "endpoint");
            const auto* ip = field(node, "ip");
            const auto* port = field(node, "port");
            if (!port) continue;
            RedisNodeAddress a;
            // The endpoint is what MOVED names (cluster-preferred-endpoint-type);
            // "?" when the node does not know it.
            a.host = endpoint && !endpoint->str.empty() && endpoint->str != "?" ? endpoint->str
                     : ip                                                       ? ip->str
                                                                                : "";
            a.port = static_cast<int>(as_number(*port));
            if (!a.host.empty()) master = a;
        }
        if (!master) continue;  // no master online: its slots are unknown until one is
        for (std::size_t i = 0; i + 1 < slots->elements.size(); i += 2) {
            out.push_back({static_cast<int>(as_number(slots->elements[i])),
                           static_cast<int>(as_number(slots->elements[i + 1])), *master});
        }
    }
    return out;
}

RedisCluster::RedisCluster(RedisEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {
    slots_.fill(-1);
    load_map();
}

int RedisCluster::node_index(const RedisNodeAddress& address) {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].address == address) return static_cast<int>(i);
    nodes_.push_back({address, std::nullopt, {}});
    return static_cast<int>(nodes_.size() - 1);
}

void RedisCluster::load_map() {
    // The seeds first (the operator named them), then every node seen since:
    // after a failover a seed may be the one that died.
    std::vector<RedisNodeAddress> candidates = endpoint_.cluster;
    for (const auto& n : nodes_)
        if (std::find(candidates.begin(), candidates.end(), n.address) == candidates.end())
            candidates.push_back(n.address);
    std::string last_error = "no node to ask";
    for (const auto& address : candidates) {
        RedisEndpoint one = endpoint_;
        one.cluster.clear();
        one.host = address.host;
        one.port = address.port;
        one.db = 0;
        std::vector<SlotRange> ranges;
        try {
            RedisConnection c(one, timeout_);
            const auto reply = c.command({"CLUSTER", "SHARDS"});
            if (reply.is_error()) {
                last_error = address.host + ":" + std::to_string(address.port) + ": " + reply.str;
                continue;
            }
            ranges = parse_cluster_shards(reply);
        } catch (const RedisError& e) {
            last_error = e.what();
            continue;
        } catch (const RedisReplyError& e) {
            last_error = e.what();
            continue;
        }
        if (ranges.empty()) {
            last_error = address.host + ":" + std::to_string(address.port) + ": no slot served";
            continue;
        }
        slots_.fill(-1);
        masters_.clear();
        for (const auto& r : ranges) {
            const int node = node_index(r.master);
            for (int s = std::max(r.first, 0); s <= std::min(r.last, kClusterSlots - 1); ++s)
                slots_[static_cast<std::size_t>(s)] = node;
            if (std::find(masters_.begin(), masters_.end(), node) == masters_.end())
                masters_.push_back(node);
        }
        // A fixed order, so a SCAN's cursor names the same master from one call to the next.
        std::sort(masters_.begin(), masters_.end(), [&](int a, int b) {
            const auto& x = nodes_[static_cast<std::size_t>(a)].address;
            const auto& y = nodes_[static_cast<std::size_t>(b)].address;
            return std::tie(x.host, x.port) < std::tie(y.host, y.port);
        });
        map_stale_ = false;
        return;
    }
    throw RedisError("Redis cluster " + endpoint_.describe() +
                     ": no node told the slot map: " + last_error);
}

RedisConnection& RedisCluster::connection(int node) {
    auto& n = nodes_[static_cast<std::size_t>(node)];
    if (!n.connection) {
        RedisEndpoint one = endpoint_;
        one.cluster.clear();
        one.host = n.address.host;
        one.port = n.address.port;
        one.db = 0;
        n.connection.emplace(std::move(one), timeout_);
    }
    return *n.connection;
}

int RedisCluster::master_of(int slot) {
    const int node = slots_[static_cast<std::size_t>(slot)];
    if (node < 0) fail("no master serves slot " + std::to_string(slot));
    return node;
}

int RedisCluster::any_master() const {
    if (last_node_ >= 0) return last_node_;
    if (masters_.empty()) throw RedisError("Redis cluster " + endpoint_.describe() + ": no master");
    return masters_.front();
}

void RedisCluster::send(int node, const RedisCommand& args, std::uint64_t seq) {
    connection(node).append(args);
    nodes_[static_cast<std::size_t>(node)].waiting.push_back(seq);
}

void RedisCluster::send_held_multi(int node) {
    if (!held_multi_) return;
    const auto seq = *held_multi_;
    held_multi_.reset();
    if (in_transaction_ && transaction_node_ < 0) transaction_node_ = node;
    entry(seq).node = node;
    send(node, entry(seq).args, seq);
}

void RedisCluster::append(const RedisCommand& args) {
    if (map_stale_) load_map();
    const std::uint64_t seq = first_ + queue_.size();
    queue_.push_back({args, std::nullopt, -1, 1, 0, -1, false, false});
    try {
        route(queue_.back(), seq);
    } catch (const RedisError&) {
        drop_all();
        throw;
    }
}

void RedisCluster::append_at(std::string_view key, const RedisCommand& args) {
    if (map_stale_) load_map();
    const std::uint64_t seq = first_ + queue_.size();
    queue_.push_back({args, std::nullopt, -1, 1, 0, -1, false, false});
    try {
        const int node = master_of(key_slot(key));
        queue_.back().node = node;
        send(node, args, seq);
    } catch (const RedisError&) {
        drop_all();
        throw;
    }
}

void RedisCluster::route(Entry& e, std::uint64_t seq) {
    using K = CommandRoute::Kind;
    const auto r = route_of(e.args);
    auto to_slot = [&](int slot) {
        int node = master_of(slot);
        if (in_transaction_) {
            if (transaction_node_ < 0) {
                transaction_slot_ = slot;
                send_held_multi(node);
            }
            // Every command of a transaction goes where it began: a key of
            // another slot is Redis' to refuse (CROSSSLOT or MOVED), and the
            // EXEC then fails as a whole.
            node = transaction_node_;
            e.in_transaction = true;
        }
        e.node = node;
        last_node_ = node;
        send(node, e.args, seq);
    };
    switch (r.kind) {
        case K::key:
            to_slot(key_slot(e.args[r.key]));
            return;
        case K::any:
            if (in_transaction_ && transaction_node_ < 0) send_held_multi(any_master());
            e.node = in_transaction_ ? transaction_node_ : any_master();
            e.in_transaction = in_transaction_;
            send(e.node, e.args, seq);
            return;
        case K::every: {
            if (masters_.empty()) fail("no master");
            e.script_load = e.args.size() > 2 && is(e.args[0], "SCRIPT") && is(e.args[1], "LOAD");
            e.waiting = static_cast<int>(masters_.size());
            for (const int node : masters_)
                send(node, e.args, seq);
            return;
        }
        case K::scan: {
            if (const auto slot = scan_slot(e.args)) {
                to_slot(*slot);
                return;
            }
            // Every master in turn: the cursor is "<master>:<its cursor>",
            // "0" at the start and the end, as one server's.
            const std::string cursor = e.args.size() > 1 ? e.args[1] : "0";
            long long master = 0;
            std::string own = "0";
            if (const auto colon = cursor.find(':'); colon != std::string::npos) {
                master = to_number(std::string_view(cursor).substr(0, colon)).value_or(-1);
                own = cursor.substr(colon + 1);
            } else if (cursor != "0") {
                master = -1;
            }
            if (master < 0 || master >= static_cast<long long>(masters_.size())) {
                // A cursor of another map or none: the scan is over, as an unknown one ends.
                RedisReply done;
                done.type = RedisReply::Type::array;
                done.elements.resize(2);
                done.elements[0].type = RedisReply::Type::string;
                done.elements[0].str = "0";
                done.elements[1].type = RedisReply::Type::array;
                e.reply = std::move(done);
                e.waiting = 0;
                return;
            }
            e.scan_master = static_cast<int>(master);
            e.args[1] = own;
            e.node = masters_[static_cast<std::size_t>(master)];
            send(e.node, e.args, seq);
            return;
        }
        case K::transaction: {
            if (is(e.args[0], "MULTI")) {
                in_transaction_ = true;
                transaction_node_ = -1;
                transaction_slot_ = -1;
                held_multi_ = seq;  // sent with the first command that has a key
                return;
            }
            const bool ends = !is(e.args[0], "UNWATCH");
            const int node =
                in_transaction_ && transaction_node_ >= 0 ? transaction_node_ : any_master();
            send_held_multi(node);  // an empty transaction: where its WATCH went
            e.node = node;
            e.in_transaction = in_transaction_;
            if (ends) in_transaction_ = false;
            send(node, e.args, seq);
            return;
        }
    }
}

void RedisCluster::flush() {
    try {
        for (auto& n : nodes_)
            if (n.connection && !n.waiting.empty()) n.connection->flush();
    } catch (const RedisError&) {
        drop_all();
        throw;
    }
}

void RedisCluster::pump(int node) {
    auto& n = nodes_[static_cast<std::size_t>(node)];
    RedisReply reply = connection(node).read();
    const auto seq = n.waiting.front();
    n.waiting.pop_front();
    deliver(node, seq, std::move(reply));
}

RedisReply RedisCluster::read() {
    if (queue_.empty()) fail("no reply to read (the connection was lost)");
    try {
        if (held_multi_ == first_) send_held_multi(any_master());
        if (queue_.front().waiting > 0) {
            // Every node works on its share while we wait for the first.
            for (auto& n : nodes_)
                if (n.connection && !n.waiting.empty()) n.connection->flush();
        }
        while (queue_.front().waiting > 0) {
            const Entry& e = queue_.front();
            int node = e.node;
            if (e.waiting > 1 || node < 0) {
                for (std::size_t i = 0; i < nodes_.size(); ++i) {
                    const auto& w = nodes_[i].waiting;
                    if (std::find(w.begin(), w.end(), first_) != w.end())
                        node = static_cast<int>(i);
                }
            }
            pump(node);
        }
    } catch (const RedisError&) {
        drop_all();
        throw;
    }
    RedisReply reply = std::move(*queue_.front().reply);
    queue_.pop_front();
    ++first_;
    return reply;
}

void RedisCluster::deliver(int node, std::uint64_t seq, RedisReply reply) {
    if (seq == kIgnore) return;  // ASKING's OK, or a script loaded again
    Entry& e = entry(seq);
    if (reply.is_error()) {
        if (const auto redirect = parse_redirect(reply.str)) {
            ++redirects_;
            const int target = node_index(redirect->node);
            if (!redirect->ask) slots_[static_cast<std::size_t>(redirect->slot)] = target;
            if (e.in_transaction) {
                // Queued inside MULTI: sending it alone elsewhere would run it
                // outside the transaction. The transaction's own slot moved:
                // an outage to wait out and try again; another slot: the
                // transaction spans slots, Redis refuses it (EXECABORT).
                if (redirect->slot == transaction_slot_)
                    fail("slot " + std::to_string(redirect->slot) + " moved during a transaction");
            } else if (++e.retries <= kMaxRetries) {
                if (redirect->ask) send(target, {"ASKING"}, kIgnore);
                e.node = target;
                send(target, e.args, seq);
                return;
            }
        } else if (reply.str.starts_with("NOSCRIPT") && e.args.size() > 1 &&
                   is(e.args[0], "EVALSHA") && ++e.retries <= kMaxRetries) {
            // A promoted replica has no script cache: load what this
            // connection loaded before, then run the call again.
            if (const auto it = scripts_.find(e.args[1]); it != scripts_.end()) {
                send(node, {"SCRIPT", "LOAD", it->second}, kIgnore);
                send(node, e.args, seq);
                return;
            }
        }
    }
    if (e.script_load && reply.type == RedisReply::Type::string) scripts_[reply.str] = e.args[2];
    if (e.scan_master >= 0 && reply.type == RedisReply::Type::array && reply.elements.size() == 2) {
        auto& cursor = reply.elements[0].str;
        if (cursor != "0")
            cursor = std::to_string(e.scan_master) + ":" + cursor;
        else if (e.scan_master + 1 < static_cast<int>(masters_.size()))
            cursor = std::to_string(e.scan_master + 1) + ":0";
    }
    // Sent to every master: the first error, else the first answer.
    if (!e.reply || (reply.is_error() && !e.reply->is_error())) e.reply = std::move(reply);
    --e.waiting;
}

void RedisCluster::drop_all() {
    for (auto& n : nodes_) {
        n.connection.reset();
        n.waiting.clear();
    }
    first_ += queue_.size();
    queue_.clear();
    in_transaction_ = false;
    transaction_node_ = -1;
    transaction_slot_ = -1;
    held_multi_.reset();
    last_node_ = -1;
    map_stale_ = true;
}

void RedisCluster::fail(const std::string& why) {
    drop_all();
    throw RedisError("Redis cluster " + endpoint_.describe() + ": " + why);
}

void RedisCluster::reconnect() {
    drop_all();
    load_map();
}

}  // namespace huitou
