#include "workers/connection_watch.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace huitou {

ConnectionWatch::~ConnectionWatch() {
    stop();
}

void ConnectionWatch::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    stop_ = false;
}

void ConnectionWatch::watch(zmq::socket_t& socket) {
    stop();
    peers_ = 0;
    const std::string endpoint = "inproc://huitou-watch-" +
                                 std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
                                 std::to_string(++generation_);
    if (zmq_socket_monitor(socket.handle(), endpoint.c_str(),
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_MONITOR_STOPPED) != 0)
        return;  // not watched: connected() stays false
    zmq::socket_t events(zmq_, zmq::socket_type::pair);
    events.connect(endpoint);
    thread_ = std::thread([this, events = std::move(events)]() mutable {
        while (!stop_) {
            zmq::pollitem_t items[] = {{events.handle(), 0, ZMQ_POLLIN, 0}};
            try {
                zmq::poll(items, 1, std::chrono::milliseconds(100));
                if (!(items[0].revents & ZMQ_POLLIN)) continue;
                // Two frames: 2 bytes event id + 4 bytes value, then the endpoint.
                zmq::message_t event, address;
                if (!events.recv(event) || !events.recv(address)) continue;
                if (event.size() < 2) continue;
                std::uint16_t id = 0;
                std::memcpy(&id, event.data(), sizeof id);
                if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) ++peers_;
                if (id == ZMQ_EVENT_DISCONNECTED && peers_ > 0) --peers_;
                if (id == ZMQ_EVENT_MONITOR_STOPPED) {  // the socket was closed
                    peers_ = 0;
                    return;
                }
            } catch (const zmq::error_t&) {
                return;
            }
        }
    });
}

}  // namespace huitou
