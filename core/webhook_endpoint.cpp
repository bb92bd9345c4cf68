#include "core/webhook_endpoint.h"

#include <algorithm>
#include <cassert>
#include <cctype>

#include "core/api_key.h"

namespace huitou {
namespace {

std::optional<int> octet(std::string_view s) {
    if (s.empty() || s.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v <= 255 ? std::optional<int>(v) : std::nullopt;
}

// Whether `host` (no port, IPv6 without brackets) is loopback or private.
bool is_private_host(std::string_view host) {
    if (host == "localhost") return true;
    if (host == "::1") return true;
    if (host.size() > 2 && (host.starts_with("fc") || host.starts_with("fd")) &&
        host.find(':') != std::string_view::npos)
        return true;
    std::vector<int> parts;
    std::size_t start = 0;
    while (start <= host.size()) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        const auto part = octet(host.substr(start, dot - start));
        if (!part) return false;
        parts.push_back(*part);
        start = dot + 1;
    }
    if (parts.size() != 4) return false;
    return parts[0] == 127 || parts[0] == 10 ||
           (parts[0] == 172 && parts[1] >= 16 && parts[1] <= 31) ||
           (parts[0] == 192 && parts[1] == 168);
}

}  // namespace

bool WebhookEndpoint::covers(std::string_view store) const {
    return all_stores || std::find(stores.begin(), stores.end(), store) != stores.end();
}

bool WebhookEndpoint::wants(std::string_view type) const {
    return std::find(events.begin(), events.end(), type) != events.end();
}

std::string check_webhook_url(std::string_view url, std::string* warning) {
    if (warning) warning->clear();
    if (url.size() > 2048) return "url: longer than 2048 characters";
    for (char c : url)
        if (std::isspace(static_cast<unsigned char>(c)) ||
            std::iscntrl(static_cast<unsigned char>(c)))
            return "url: contains a space or control character";
    const bool https = url.starts_with("https://");
    if (!https && !url.starts_with("http://"))
        return "url: \"" + std::string(url) + "\" is not an https:// (or http://) URL";
    const std::string_view rest = url.substr(https ? 8 : 7);
    const std::string_view authority =
        rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
    if (authority.find('@') != std::string_view::npos)
        return "url: credentials in the URL are not taken; the signature authenticates huitou";
    std::string_view host = authority;
    if (host.starts_with("[")) {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return "url: an unclosed [ in the host";
        host = host.substr(1, close - 1);
    } else {
        host = host.substr(0, std::min(host.find(':'), host.size()));
    }
    if (host.empty()) return "url: no host";
    if (https) return "";
    if (!is_private_host(host))
        return "url: plain http:// only to a loopback or private address (127.0.0.1, 10.x, "
               "172.16-31.x, 192.168.x, ::1, localhost); use https:// for \"" +
               std::string(host) + "\"";
    if (warning)
        *warning = "plain http:// to " + std::string(host) +
                   ": calls and their members' data travel unencrypted; keep the receiver on "
                   "this host or a private network";
    return "";
}

std::string format_webhook_id(std::string_view bytes) {
    assert(bytes.size() == webhook_id_bytes);
    return "we_" + base32_lower(bytes);
}

std::string format_webhook_secret(std::string_view bytes) {
    assert(bytes.size() == webhook_secret_bytes);
    return "whsec_" + base32_lower(bytes);
}

bool is_webhook_id(std::string_view text) {
    return text.size() == 11 && text.starts_with("we_") && is_api_key_id(text.substr(3));
}

}  // namespace huitou
