#include "io/http_listener.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

namespace huitou {

void exclusive_socket_options(int fd) {
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") return true;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string text(host);
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

ConfigError bind_error(const std::string& key, const std::string& listen, int error) {
    std::string why = error == EADDRINUSE ? "the address is in use: another process (a second "
                                            "copy of this program?) listens there"
                      : error != 0        ? std::string(std::strerror(error))
                                          : "the address cannot be bound";
    return ConfigError(key + ": cannot listen on " + listen + ": " + why);
}

}  // namespace huitou
