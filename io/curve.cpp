#include "io/curve.h"

#include <spdlog/spdlog.h>

#include "io/secret.h"

namespace huitou {

CurveKeyPair generate_curve_key_pair() {
    char pub[41] = {};
    char sec[41] = {};
    if (zmq_curve_keypair(pub, sec) != 0)
        throw std::runtime_error("this libzmq has no CURVE support: " +
                                 std::string(zmq_strerror(zmq_errno())));
    return {pub, sec};
}

CurveKeys load_curve_keys(const CurveConfig& curve, bool server) {
    CurveKeys keys;
    if (!curve.enabled()) return keys;
    if (!zmq_has("curve")) throw ConfigError("curve: this libzmq was built without CURVE");
    keys.enabled = true;
    keys.server_public = curve.server_public_key;
    if (server) {
        keys.own_secret = read_secret(curve.server_secret_key, "curve.server_secret_key");
        if (curve.allowed_clients.empty())
            throw ConfigError("curve.allowed_clients: list the workers' public keys");
    } else {
        if (curve.client_public_key.empty())
            throw ConfigError("curve.client_public_key: the worker's own public key is needed");
        keys.own_public = curve.client_public_key;
        keys.own_secret = read_secret(curve.client_secret_key, "curve.client_secret_key");
    }
    if (keys.own_secret.size() != 40)
        throw ConfigError(std::string("curve.") + (server ? "server" : "client") +
                          "_secret_key: expected a Z85 key of 40 characters (huitou keygen)");
    return keys;
}

void make_curve_server(zmq::socket_t& socket, const CurveKeys& keys) {
    if (!keys.enabled) return;
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, keys.own_secret);
    // A domain makes libzmq ask the ZAP handler about every connection.
    socket.set(zmq::sockopt::zap_domain, "huitou");
}

void make_curve_client(zmq::socket_t& socket, const CurveKeys& keys) {
    if (!keys.enabled) return;
    socket.set(zmq::sockopt::curve_serverkey, keys.server_public);
    socket.set(zmq::sockopt::curve_publickey, keys.own_public);
    socket.set(zmq::sockopt::curve_secretkey, keys.own_secret);
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& zmq, const std::vector<std::string>& allowed_z85)
    : socket_(zmq, zmq::socket_type::rep) {
    for (const auto& key : allowed_z85) {
        std::string binary(32, '\0');
        if (key.size() != 40 ||
            zmq_z85_decode(reinterpret_cast<std::uint8_t*>(binary.data()), key.c_str()) == nullptr)
            throw ConfigError("curve.allowed_clients: \"" + key + "\" is not a Z85 public key");
        allowed_.insert(binary);
    }
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("inproc://zeromq.zap.01");
    thread_ = std::thread([this] { serve(); });
}

ZapAuthenticator::~ZapAuthenticator() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void ZapAuthenticator::serve() {
    // RFC 27: version, request id, domain, address, identity, mechanism, credentials.
    while (!stop_) {
        zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
        try {
            zmq::poll(items, 1, std::chrono::milliseconds(100));
            if (!(items[0].revents & ZMQ_POLLIN)) continue;
            std::vector<std::string> frames;
            do {
                zmq::message_t m;
                if (!socket_.recv(m)) break;
                frames.push_back(m.to_string());
            } while (socket_.get(zmq::sockopt::rcvmore));
            const bool well_formed = frames.size() >= 6 && frames[0] == "1.0";
            const bool allowed = well_formed && frames[5] == "CURVE" && frames.size() == 7 &&
                                 allowed_.contains(frames[6]);
            if (!allowed) {
                spdlog::warn(
                    "refused a ZeroMQ connection from {} ({}): its key is not in "
                    "curve.allowed_clients",
                    frames.size() > 3 ? frames[3] : "?",
                    frames.size() > 5 ? frames[5] : "malformed");
            }
            const std::string reply[] = {"1.0",
                                         frames.size() > 1 ? frames[1] : "",
                                         allowed ? "200" : "400",
                                         allowed ? "OK" : "not allowed",
                                         "",
                                         ""};
            for (std::size_t i = 0; i < 6; ++i) {
                socket_.send(zmq::buffer(reply[i]),
                             i < 5 ? zmq::send_flags::sndmore : zmq::send_flags::none);
            }
        } catch (const zmq::error_t& e) {
            if (e.num() == ETERM) return;
            if (e.num() != EINTR) spdlog::error("ZAP handler: {}", e.what());
        }
    }
}

}  // namespace huitou
