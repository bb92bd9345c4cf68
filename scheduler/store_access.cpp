#include "scheduler/store_access.h"

#include <nlohmann/json.hpp>

namespace huitou {

std::optional<HttpReply> refuse(const HttpRequest& req, const Config& config,
                                const std::string& store) {
    const auto error = [](int status, const std::string& why) {
        return HttpReply{status, nlohmann::json{{"error", why}}.dump()};
    };
    const auto access = req.identity.access(store, req.writes());
    if (!config.find_store(store) || access == StoreAccess::hidden)
        return error(404, "store: \"" + store + "\" is not a configured store");
    if (access == StoreAccess::read_only) {
        return error(403, "scope: " + req.identity.describe() + " may only read; " + req.method +
                              " needs the write scope");
    }
    return std::nullopt;
}

}  // namespace huitou
