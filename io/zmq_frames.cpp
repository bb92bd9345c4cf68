#include "io/zmq_frames.h"

namespace huitou {

bool send_frames(zmq::socket_t& socket, const Frames& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto flags = zmq::send_flags::dontwait;
        if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
        // ZeroMQ queues multipart messages atomically: only the first frame
        // can find the socket full, later frames of the message are accepted.
        if (!socket.send(zmq::buffer(frames[i]), flags)) return false;
    }
    return true;
}

std::optional<std::vector<std::string>> receive_frames(zmq::socket_t& socket,
                                                       std::size_t max_frames) {
    std::vector<std::string> frames;
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) return std::nullopt;
    for (;;) {
        if (frames.size() < max_frames)
            frames.emplace_back(part.to_string());
        else if (frames.size() == max_frames)
            frames.emplace_back();  // marks "too many"
        if (!part.more()) break;
        // The rest of a multipart message is already here: this cannot block.
        (void)socket.recv(part, zmq::recv_flags::none);
    }
    return frames;
}

std::vector<std::string_view> frame_views(const std::vector<std::string>& frames) {
    return {frames.begin(), frames.end()};
}

}  // namespace huitou
