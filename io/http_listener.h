// http_listener.h — how huitou's HTTP servers take their port: alone.
//
// The admin server, the Kannel listener and the workers' monitoring listener
// are cpp-httplib servers. httplib 0.11's default socket options set
// SO_REUSEPORT, so a second process started on the same address binds too and
// the kernel silently splits the connections — and the requests, tokens and
// delivery reports in them — between the two. Here the socket gets
// SO_REUSEADDR only (a restart does not wait for TIME_WAIT), and a port that
// is taken is a ConfigError naming the key and the address, so the second
// program stops at start-up instead of sharing.
//
// A template over the server type, so that this library does not include
// httplib.h; the programs that own a server link it.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>

#include "core/config.h"

namespace huitou {

// Sets SO_REUSEADDR (and nothing else) on a listening socket: an
// httplib::SocketOptions.
void exclusive_socket_options(int fd);

// Whether `host` (as in admin.listen's "host:port") can only be reached from
// this machine: 127.0.0.0/8, ::1 (with or without brackets), "localhost".
bool is_loopback_host(std::string_view host);

// The ConfigError for a failed bind of `listen` (read right after the bind,
// while errno still says why). `key` names the setting ("admin.listen").
ConfigError bind_error(const std::string& key, const std::string& listen, int error);

// Binds `server` to `listen` ("host:port"; port 0 picks a free one) with
// exclusive_socket_options and returns the port bound. Throws ConfigError
// naming `key` for a malformed address or one that cannot be bound (taken,
// not local).
template <typename Server>
int bind_exclusively(Server& server, const std::string& listen, const std::string& key) {
    const auto address = parse_listen_address(listen);
    if (!address) throw ConfigError(key + ": expected host:port, got \"" + listen + "\"");
    server.set_socket_options(exclusive_socket_options);
    errno = 0;
    int port = 0;
    if (address->port == 0) {
        port = server.bind_to_any_port(address->host);
    } else if (server.bind_to_port(address->host, address->port)) {
        port = address->port;
    }
    if (port <= 0) throw bind_error(key, listen, errno);
    return port;
}

}  // namespace huitou
