// connection_watch.h — whether a worker's job socket has a live scheduler.
//
// ZeroMQ reconnects silently, so a worker cannot ask its socket whether a
// scheduler is there. A socket monitor (zmq_socket_monitor) reports each
// completed handshake and each disconnection on an inproc PAIR socket; a
// thread reads them and keeps a count, which /readyz reads. A handshake,
// not a TCP connect, counts: with CURVE a refused key connects but never
// shakes hands, and that worker is not ready.
#pragma once

#include <atomic>
#include <thread>

#include <zmq.hpp>

namespace huitou {

class ConnectionWatch {
  public:
    explicit ConnectionWatch(zmq::context_t& zmq) : zmq_(zmq) {}
    ~ConnectionWatch();
    ConnectionWatch(const ConnectionWatch&) = delete;
    ConnectionWatch& operator=(const ConnectionWatch&) = delete;

    // Watches `socket` from now on, instead of the one watched before (which
    // must have been closed). Call on the socket's thread, before it connects.
    void watch(zmq::socket_t& socket);

    // A handshake completed and its peer has not gone since. Any thread.
    bool connected() const { return peers_.load() > 0; }

  private:
    void stop();
    zmq::context_t& zmq_;
    std::atomic<int> peers_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
    int generation_ = 0;
};

}  // namespace huitou
