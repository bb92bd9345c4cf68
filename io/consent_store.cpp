#include "io/consent_store.h"

#include "io/redis_keys.h"

namespace huitou {

ConsentStore::ConsentStore(RedisConnection& redis) : redis_(redis), record_("record_opt_out") {}

bool ConsentStore::record_opt_out(const OptOut& o) {
    const std::string channel(to_string(o.channel));
    const auto reply =
        record_.run(redis_, {keys::consent_log(o.store), keys::opt_outs(o.store, channel)},
                    {std::to_string(o.at.time_since_epoch().count()), o.store, channel, o.address,
                     o.source, o.detail});
    reply.expect_ok("record_opt_out");
    return reply.integer == 1;
}

bool ConsentStore::is_opted_out(const std::string& store, Channel channel,
                                const std::string& address) {
    const auto reply = redis_.command(
        {"SISMEMBER", keys::opt_outs(store, std::string(to_string(channel))), address});
    reply.expect_ok("SISMEMBER opt-outs");
    return reply.integer == 1;
}

std::vector<OptOut> ConsentStore::ledger(const std::string& store, std::size_t limit) {
    const auto reply = redis_.command(
        {"XRANGE", keys::consent_log(store), "-", "+", "COUNT", std::to_string(limit)});
    reply.expect_ok("XRANGE consent");
    std::vector<OptOut> out;
    for (const auto& entry : reply.elements) {
        if (entry.elements.size() != 2) continue;
        OptOut o;
        const auto& fields = entry.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            const auto& k = fields[i].str;
            const auto& v = fields[i + 1].str;
            if (k == "at") o.at = SysSeconds{std::chrono::seconds{std::stoll(v)}};
            if (k == "store") o.store = v;
            if (k == "channel") o.channel = parse_channel(v).value_or(Channel::sms);
            if (k == "address") o.address = v;
            if (k == "source") o.source = v;
            if (k == "detail") o.detail = v;
        }
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace huitou
