// zmq_frames.h — sending and receiving wire.h frames on a cppzmq socket.
//
// cppzmq is used as it is; these two functions only add the rules huitou
// needs everywhere: never block on send (a full or peerless PUSH socket
// returns false and the caller hands the job back), and never trust the
// number of frames a peer sends (extra frames are read and discarded, so a
// hostile message cannot make us buffer without bound).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/wire.h"

namespace huitou {

// Sends all frames without blocking. False when the socket would block
// (no connected peer, or its queue is at the high-water mark).
bool send_frames(zmq::socket_t& socket, const Frames& frames);

// Receives one multipart message without blocking; nullopt if none waits.
// At most `max_frames` frames are kept (the decoder then rejects the count).
std::optional<std::vector<std::string>> receive_frames(zmq::socket_t& socket,
                                                       std::size_t max_frames = 4);

// string_views over `frames`, as the decoders take them.
std::vector<std::string_view> frame_views(const std::vector<std::string>& frames);

}  // namespace huitou
