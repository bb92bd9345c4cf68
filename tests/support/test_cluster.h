// test_cluster.h — a private Redis Cluster for one test: 3 masters and 3
// replicas of redis-server on free loopback ports.
//
// Each node runs with --cluster-enabled in its own temporary directory, with
// its bus on a port of its own (--cluster-port), and a short node timeout
// so a killed master's replica takes over in seconds; `redis-cli --cluster
// create` joins them, and the constructor waits until every node says
// cluster_state:ok and agrees on who serves every slot. The destructor kills
// them all. Tests move slots by hand (CLUSTER SETSLOT, MIGRATE) to see MOVED
// and ASK, and kill a master to see a failover.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/redis_connection.h"
#include "tests/support/process.h"

namespace huitou::test {

class TestCluster {
  public:
    // Starts 6 nodes and creates the cluster. Throws std::runtime_error.
    TestCluster();
    ~TestCluster();

    // "redis+cluster://127.0.0.1:P1,127.0.0.1:P2" (two seeds).
    std::string url() const;
    RedisEndpoint endpoint() const;
    RedisConnection connect() const;

    std::size_t size() const { return nodes_.size(); }
    int port(std::size_t node) const { return nodes_.at(node).port; }
    // A plain connection to one node (no routing).
    RedisConnection node(std::size_t node) const;
    // The node that serves `slot` now, as its master, by CLUSTER SHARDS of
    // a live node.
    std::size_t master_of(int slot) const;
    // The masters, by CLUSTER SHARDS; a master's replica.
    std::vector<std::size_t> masters() const;
    std::size_t replica_of(std::size_t master) const;

    // Moving a slot, in the steps the cluster sees (redis-cli --cluster
    // reshard does the same): `begin_move` marks it importing on `to` and
    // migrating on its master (from then on a missing key answers ASK);
    // `migrate_keys` moves up to `count` of its keys (0: all); `finish_move`
    // gives it to `to` on every node (from then on: MOVED).
    void begin_move(int slot, std::size_t to);
    std::size_t migrate_keys(int slot, std::size_t to, std::size_t count = 0);
    void finish_move(int slot, std::size_t to);
    void move_slot(int slot, std::size_t to);

    // SIGKILL a node; start it again (with its data, AOF on).
    void kill(std::size_t node);
    void start(std::size_t node);
    // SIGSTOP a node (it keeps its connections but answers nothing: a
    // replica stops acknowledging its master's writes); SIGCONT it.
    void pause(std::size_t node);
    void resume(std::size_t node);
    // Waits until every live node says cluster_state:ok and agrees on the
    // masters, all of them live. False after `timeout`.
    bool wait_ok(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  private:
    struct Node {
        int port = 0;
        int bus_port = 0;
        std::string dir;
        std::unique_ptr<Process> server;
    };
    void launch(Node& n);

    TempDir dir_;
    std::vector<Node> nodes_;
    std::size_t index_of_port(int port) const;
};

}  // namespace huitou::test
