#include "tests/support/test_cluster.h"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "io/redis_cluster.h"

namespace huitou::test {
namespace {

constexpr std::size_t kNodes = 6;

RedisConnection plain(int port) {
    RedisEndpoint e;
    e.host = "127.0.0.1";
    e.port = port;
    return RedisConnection(e, std::chrono::seconds(2));
}

}  // namespace

TestCluster::TestCluster() {
    nodes_.resize(kNodes);
    for (std::size_t i = 0; i < kNodes; ++i) {
        auto& n = nodes_[i];
        n.port = free_port();
        do {
            n.bus_port = free_port();
        } while (n.bus_port == n.port);
        n.dir = dir_.file("node" + std::to_string(i));
        std::filesystem::create_directory(n.dir);
        launch(n);
    }
    std::vector<std::string> create{"/usr/bin/redis-cli", "--cluster", "create"};
    for (const auto& n : nodes_)
        create.push_back("127.0.0.1:" + std::to_string(n.port));
    create.insert(create.end(), {"--cluster-replicas", "1", "--cluster-yes"});
    const auto r = run(create, {}, std::chrono::seconds(60));
    if (r.status != 0)
        throw std::runtime_error("redis-cli --cluster create failed: " + r.out + r.err);
    if (!wait_ok())
        throw std::runtime_error("the test cluster did not become ok; see " + dir_.path());
    // cluster_state:ok says nothing of the replicas' first sync: a master
    // killed before it would take its data along.
    const bool synced = eventually(
        [&] {
            for (const auto& n : nodes_) {
                const auto info = plain(n.port).command({"INFO", "replication"}).str;
                if (info.find("role:slave") != std::string::npos &&
                    info.find("master_link_status:up") == std::string::npos)
                    return false;
            }
            return true;
        },
        std::chrono::seconds(30));
    if (!synced)
        throw std::runtime_error("the test cluster's replicas did not sync; see " + dir_.path());
}

TestCluster::~TestCluster() {
    for (auto& n : nodes_)
        if (n.server) n.server->signal(SIGKILL);
    for (auto& n : nodes_)
        if (n.server) n.server->wait(std::chrono::seconds(5));
}

void TestCluster::launch(Node& n) {
    // clang-format off
    std::vector<std::string> argv{
        "/usr/bin/redis-server",
        "--port", std::to_string(n.port),
        "--cluster-port", std::to_string(n.bus_port),
        "--bind", "127.0.0.1",
        "--dir", n.dir,
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf",
        // A dead master's replica is promoted ~2 s after.
        "--cluster-node-timeout", "1000",
        "--cluster-replica-validity-factor", "0",
        // A replica's first sync at once, not 5 s later.
        "--repl-diskless-sync-delay", "0",
        "--save", "",
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--daemonize", "no"};
    // clang-format on
    n.server = std::make_unique<Process>(std::move(argv), std::vector<std::string>{},
                                         n.dir + "/redis.log");
    const bool up = eventually(
        [&] {
            if (!n.server->running()) return false;
            try {
                return plain(n.port).command({"PING"}).str == "PONG";
            } catch (const RedisError&) {
                return false;
            }
        },
        std::chrono::seconds(10));
    if (!up) throw std::runtime_error("redis-server did not start; see " + n.dir + "/redis.log");
}

std::string TestCluster::url() const {
    return "redis+cluster://127.0.0.1:" + std::to_string(nodes_[0].port) +
           ",127.0.0.1:" + std::to_string(nodes_[1].port);
}

RedisEndpoint TestCluster::endpoint() const {
    return *parse_redis_url(url());
}

RedisConnection TestCluster::connect() const {
    return RedisConnection(endpoint());
}

RedisConnection TestCluster::node(std::size_t node) const {
    return plain(nodes_.at(node).port);
}

std::size_t TestCluster::index_of_port(int port) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].port == port) return i;
    throw std::runtime_error("no test node on port " + std::to_string(port));
}

bool TestCluster::wait_ok(std::chrono::milliseconds timeout) const {
    return eventually(
        [&] {
            std::set<std::pair<std::pair<int, int>, int>> first_map;
            bool first = true;
            for (const auto& n : nodes_) {
                if (!n.server || !n.server->running()) continue;
                try {
                    auto c = plain(n.port);
                    if (c.command({"CLUSTER", "INFO"}).str.find("cluster_state:ok") ==
                        std::string::npos)
                        return false;
                    std::set<std::pair<std::pair<int, int>, int>> map;
                    int covered = 0;
                    for (const auto& r : parse_cluster_shards(c.command({"CLUSTER", "SHARDS"}))) {
                        // A killed master is still "online" until the others agree it failed.
                        const auto& m = nodes_.at(index_of_port(r.master.port));
                        if (!m.server || !m.server->running()) return false;
                        map.insert({{r.first, r.last}, r.master.port});
                        covered += r.last - r.first + 1;
                    }
                    if (covered != kClusterSlots) return false;
                    if (!first && map != first_map) return false;
                    first_map = std::move(map);
                    first = false;
                } catch (const std::exception&) {
                    return false;
                }
            }
            return !first;
        },
        timeout);
}

std::size_t TestCluster::master_of(int slot) const {
    for (const auto& n : nodes_) {
        if (!n.server || !n.server->running()) continue;
        try {
            for (const auto& r : parse_cluster_shards(plain(n.port).command({"CLUSTER", "SHARDS"})))
                if (slot >= r.first && slot <= r.last) return index_of_port(r.master.port);
        } catch (const RedisError&) {
        }
    }
    throw std::runtime_error("no node serves slot " + std::to_string(slot));
}

std::vector<std::size_t> TestCluster::masters() const {
    std::set<std::size_t> out;
    for (const auto& n : nodes_) {
        if (!n.server || !n.server->running()) continue;
        for (const auto& r : parse_cluster_shards(plain(n.port).command({"CLUSTER", "SHARDS"})))
            out.insert(index_of_port(r.master.port));
        break;
    }
    return {out.begin(), out.end()};
}

std::size_t TestCluster::replica_of(std::size_t master) const {
    auto c = node(master);
    const auto id = c.command({"CLUSTER", "MYID"}).expect_ok("CLUSTER MYID").str;
    // CLUSTER REPLICAS: lines of CLUSTER NODES, "<id> <ip>:<port>@<bus> ...".
    const auto reply = c.command({"CLUSTER", "REPLICAS", id}).expect_ok("CLUSTER REPLICAS");
    for (const auto& line : reply.elements) {
        const auto space = line.str.find(' ');
        const auto colon = line.str.find(':', space);
        const auto at = line.str.find('@', colon);
        if (space == std::string::npos || colon == std::string::npos || at == std::string::npos)
            continue;
        return index_of_port(std::stoi(line.str.substr(colon + 1, at - colon - 1)));
    }
    throw std::runtime_error("no replica of node " + std::to_string(master));
}

void TestCluster::begin_move(int slot, std::size_t to) {
    const auto from = master_of(slot);
    const auto to_id = node(to).command({"CLUSTER", "MYID"}).str;
    const auto from_id = node(from).command({"CLUSTER", "MYID"}).str;
    node(to)
        .command({"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING", from_id})
        .expect_ok("SETSLOT IMPORTING");
    node(from)
        .command({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", to_id})
        .expect_ok("SETSLOT MIGRATING");
}

std::size_t TestCluster::migrate_keys(int slot, std::size_t to, std::size_t count) {
    const auto from = master_of(slot);
    auto c = node(from);
    std::size_t moved = 0;
    while (count == 0 || moved < count) {
        const std::size_t batch = count == 0 ? 100 : std::min<std::size_t>(100, count - moved);
        const auto keys =
            c.command({"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), std::to_string(batch)})
                .expect_ok("GETKEYSINSLOT");
        if (keys.elements.empty()) break;
        RedisCommand migrate{"MIGRATE", "127.0.0.1", std::to_string(nodes_.at(to).port), "", "0",
                             "5000",    "KEYS"};
        for (const auto& k : keys.elements)
            migrate.push_back(k.str);
        c.command(migrate).expect_ok("MIGRATE");
        moved += keys.elements.size();
    }
    return moved;
}

void TestCluster::finish_move(int slot, std::size_t to) {
    const auto to_id = node(to).command({"CLUSTER", "MYID"}).str;
    // The new owner first, then the old, then the other masters.
    std::vector<std::size_t> order{to, master_of(slot)};
    for (const auto m : masters())
        if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
    for (const auto m : order)
        node(m)
            .command({"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", to_id})
            .expect_ok("SETSLOT NODE");
}

void TestCluster::move_slot(int slot, std::size_t to) {
    begin_move(slot, to);
    migrate_keys(slot, to);
    finish_move(slot, to);
}

void TestCluster::kill(std::size_t node) {
    auto& n = nodes_.at(node);
    n.server->signal(SIGKILL);
    n.server->wait(std::chrono::seconds(5));
    n.server.reset();
}

void TestCluster::start(std::size_t node) {
    launch(nodes_.at(node));
}

void TestCluster::pause(std::size_t node) {
    nodes_.at(node).server->signal(SIGSTOP);
}

void TestCluster::resume(std::size_t node) {
    nodes_.at(node).server->signal(SIGCONT);
}

}  // namespace huitou::test
