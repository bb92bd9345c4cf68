#include "io/redis_scan.h"

#include <stdexcept>

namespace huitou {

void scan_all(RedisConnection& redis, const RedisCommand& command,
              const std::function<void(const RedisReply& items)>& page) {
    if (command.empty()) throw std::invalid_argument("scan_all: no command");
    // The cursor follows the command's name (SCAN) or its key (the others).
    const std::size_t at = command[0] == "SCAN" ? 1 : 2;
    if (command.size() < at)
        throw std::invalid_argument("scan_all: " + command[0] + " needs a key");
    const std::string what = at == 1 ? command[0] : command[0] + " " + command[1];
    RedisCommand args = command;
    args.insert(args.begin() + static_cast<long>(at), "0");
    do {
        const auto reply = redis.command(args);
        reply.expect_ok(what);
        if (reply.type != RedisReply::Type::array || reply.elements.size() != 2 ||
            reply.elements[1].type != RedisReply::Type::array)
            throw RedisReplyError(what, "not a cursor and a page");
        args[at] = reply.elements[0].str;
        page(reply.elements[1]);
    } while (args[at] != "0");
}

}  // namespace huitou
