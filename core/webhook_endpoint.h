// webhook_endpoint.h — a registered webhook receiver, and what may be one.
//
// An endpoint is a URL that receives a store's events (or every store's),
// all of them or the types asked for, signed with its own secret
// (core/webhook_signature.h). Ids are "we_" + 8 base32 characters (40
// random bits, public: they name the endpoint in Redis, the CLI and logs);
// secrets are "whsec_" + 52 base32 characters (256 bits). The secret is
// kept in Redis as it is, not hashed like an API key: huitou must sign with
// it on every call (docs/security.md).
//
// URLs: https:// to any host; plain http:// only to a loopback or private
// address (127/8, 10/8, 172.16/12, 192.168/16, ::1, fc00::/7, localhost) —
// a receiver on the same host or network, e.g. behind its own TLS proxy —
// and then with a warning. Anything else is refused: the body carries
// members' ids and phone numbers, and a signature proves who sent a call,
// not that no one read it. A host name is not resolved here (pure): an
// http:// name other than localhost is refused rather than guessed at.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace huitou {

struct WebhookEndpoint {
    std::string id;
    std::string url;
    std::string secret;
    bool all_stores = false;
    std::vector<std::string> stores;  // when !all_stores
    std::vector<std::string> events;  // the types it receives (core/webhook_plan.h)
    SysSeconds created_at{};

    bool covers(std::string_view store) const;
    bool wants(std::string_view type) const;
};

// "" when `url` may be an endpoint, else why not ("url: …"). `warning` is
// set (else cleared) for an accepted plain-http URL.
std::string check_webhook_url(std::string_view url, std::string* warning);

// "we_<8 base32>" from 5 random bytes; "whsec_<52 base32>" from 32. Asserts the sizes.
inline constexpr std::size_t webhook_id_bytes = 5;
inline constexpr std::size_t webhook_secret_bytes = 32;
std::string format_webhook_id(std::string_view bytes);
std::string format_webhook_secret(std::string_view bytes);
// Whether `text` has the shape of an endpoint id.
bool is_webhook_id(std::string_view text);

}  // namespace huitou
