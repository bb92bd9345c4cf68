// consent_store.h — members' refusals, as the senders see them.
//
// An opt-out is kept twice, in one script (scripts/record_opt_out.lua): as
// evidence in the store's append-only ledger (a Redis stream: when, which
// store, which channel, which address, how it arrived — sms_reply,
// wechat_event, provider_error — and the detail: the reply's text, the
// provider's error), and as a rule in the store's opt-out set for the
// channel, which begin_send.lua checks atomically before every send, so a
// job planned before the refusal is cancelled rather than sent. Addresses are
// E.164 phone numbers or openids, exactly as jobs carry them. This is the
// base the consent ledger will extend (opt-ins, per-member consent); it does
// not touch member records.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct OptOut {
    std::string store;
    Channel channel = Channel::sms;
    std::string address;  // E.164 phone or openid
    std::string source;   // sms_reply, wechat_event, provider_error
    std::string detail;   // what arrived: the reply's text, the provider's answer
    SysSeconds at{};

    friend bool operator==(const OptOut&, const OptOut&) = default;
};

class ConsentStore {
  public:
    explicit ConsentStore(RedisConnection& redis);

    // Appends to the ledger and suppresses the address on the channel.
    // Returns true if it was not suppressed before. Throws RedisError.
    bool record_opt_out(const OptOut& opt_out);

    // Whether `address` opted out of `channel` at `store`. Throws RedisError.
    bool is_opted_out(const std::string& store, Channel channel, const std::string& address);

    // The ledger of `store`, oldest first, at most `limit` entries. Throws RedisError.
    std::vector<OptOut> ledger(const std::string& store, std::size_t limit = 1000);

  private:
    RedisConnection& redis_;
    LuaScript record_;
};

}  // namespace huitou
