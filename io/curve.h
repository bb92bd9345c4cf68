// curve.h — ZeroMQ CURVE between the scheduler and its workers.
//
// CURVE (CurveZMQ: Curve25519 keys, encryption and authentication built
// into libzmq) protects the job and result sockets when `[curve]` is
// configured: the scheduler's sockets are CURVE servers holding its key
// pair; each worker is a CURVE client that knows the scheduler's public key
// and has its own pair. Without allow-listing, any client that knows the
// server's public key could connect; so the scheduler runs a ZAP handler
// (ZeroMQ's authentication protocol, RFC 27) on inproc://zeromq.zap.01 in
// its context, on a thread of its own, accepting only the public keys in
// curve.allowed_clients. A rejected worker's handshake fails: it receives
// nothing and its results are never read.
//
// Not covered: the visit feed (point-of-sale systems would each need keys;
// bind it to a trusted interface) and the admin HTTP server (TLS in a proxy).
#pragma once

#include <atomic>
#include <set>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "core/config.h"

namespace huitou {

struct CurveKeyPair {
    std::string public_key;  // Z85, 40 characters
    std::string secret_key;  // Z85, 40 characters
};

// A fresh key pair (zmq_curve_keypair). Throws std::runtime_error when
// libzmq was built without CURVE.
CurveKeyPair generate_curve_key_pair();

// The keys one process uses, secrets read (io/secret.h).
struct CurveKeys {
    bool enabled = false;
    std::string server_public;
    std::string own_public;  // client only
    std::string own_secret;  // server: the scheduler's secret; client: the worker's
};

// Reads the secret key this role needs (server: the scheduler's; client: the
// worker's) and checks that every key the role needs is there. Returns
// disabled keys when CURVE is off. Throws ConfigError.
CurveKeys load_curve_keys(const CurveConfig& curve, bool server);

// Makes `socket` a CURVE server or client before it binds or connects.
// No-op when keys.enabled is false.
void make_curve_server(zmq::socket_t& socket, const CurveKeys& keys);
void make_curve_client(zmq::socket_t& socket, const CurveKeys& keys);

// The ZAP handler: accepts CURVE clients whose public key is allowed,
// refuses every other mechanism and key. Serves until destroyed; create it
// before the CURVE sockets bind, in the same context.
class ZapAuthenticator {
  public:
    ZapAuthenticator(zmq::context_t& zmq, const std::vector<std::string>& allowed_z85);
    ~ZapAuthenticator();
    ZapAuthenticator(const ZapAuthenticator&) = delete;
    ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  private:
    void serve();
    zmq::socket_t socket_;
    std::set<std::string> allowed_;  // 32-byte binary public keys
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace huitou
