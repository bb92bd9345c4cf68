// consent_store.h — the consent ledger and the opt-out lists in Redis.
//
// The rules are core/consent.h's; this applies them. One consent event is one
// script (scripts/record_consent.lua): the evidence appended to the store's
// ledger (a Redis stream: when, which store, which channel, in or out, the
// source, the member and/or the address, the detail), the member's flag set,
// the address put on (or taken off) the store's opt-out list for the
// channel, and — for an opt-out — today's jobs to that address cancelled at
// once, found through the open-jobs index that job creation keeps
// (scripts/create_job.lua), never by a scan. A store whose planned jobs are
// records of day sheets (layout 2, io/sheet_store.h) has no such index: its
// records are found by member (the one named, and the members whose address
// it is now, through the index of its end: p4: for a phone, o2: for an
// openid, core/member_write.h) in her sheet of today, and cancelled right
// after the script, in the same call — with the job hashes of her claimed
// records that are planned again (handed back, requeued, a retry), which no
// index lists either. begin_send.lua and claim_due.lua check the lists
// again before every dispatch and send.
//
// An opt-in at the counter or through the API also creates the member's
// welcome on the channel, once for good (core/welcome.h), in the same script.
//
// Import batches write their events through MemberStore::upsert (one event
// per batch and channel naming its members: evidence at about ten bytes a
// member). Reading one member's events scans the store's ledger: a command
// for people, not for planning, which reads only the flags and the lists.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/consent.h"
#include "core/job.h"
#include "core/store_shards.h"
#include "io/lua_script.h"
#include "io/redis_connection.h"

namespace huitou {

struct ConsentOutcome {
    bool newly_opted_out = false;  // the address joined the opt-out list (JSON "newly_refused")
    long long cancelled = 0;       // jobs of today cancelled by it
    bool duplicate = false;        // the once-key was there: nothing recorded
    // The welcome job this opt-in created (core/welcome.h), and when it is
    // due; empty when it created none (not a welcoming opt-in, the store has
    // `welcome` off, she was welcomed on the channel before, no address).
    std::string welcome_job;
    SysSeconds welcome_due{};
};

// A key the event takes atomically with its recording (an API event's id):
// when it exists already, nothing is recorded. `value` is stored for
// `keep_seconds`.
struct OnceKey {
    std::string key;
    std::string value;
    long long keep_seconds = 0;
};

struct WelcomePlan;

class ConsentStore {
  public:
    // `config` (for each store's time zone: which day's jobs an opt-out
    // cancels) must outlive the store.
    ConsentStore(RedisConnection& redis, const Config& config);

    // Records `e`. Throws std::invalid_argument (nothing written) when
    // check_consent_event refuses it — callers check first and answer with
    // the reason; RedisError when Redis is away, RedisReplyError when it
    // refuses the script.
    // With `once`, the event is recorded only if once->key is free (and then
    // takes it): ConsentOutcome::duplicate otherwise. A welcoming opt-in
    // (core/welcome.h: welcomes, plan_welcome) creates her welcome job when
    // she was not welcomed on the channel before.
    ConsentOutcome record(const ConsentEvent& e, const OnceKey* once = nullptr);
    // The shard `e` is recorded in, where its once key belongs: its member's,
    // else its address's own (a store over K > 1 shards).
    Shard recording_shard(const ConsentEvent& e);

    // Whether `address` is on `store`'s opt-out list for `channel`. Throws RedisError.
    bool is_opted_out(const std::string& store, Channel channel, const std::string& address);

    // For each member, whether their SMS and WeChat addresses are on the
    // store's opt-out lists: two commands, one round trip. Throws RedisError.
    std::vector<std::pair<bool, bool>> opted_out(const std::string& store,
                                                 const std::vector<Member>& members);

    // When `member` of `store` was welcomed on each channel (core/welcome.h:
    // her welcome job's creation), if she was. Throws RedisError.
    std::map<Channel, SysSeconds> welcomed(const std::string& store, const std::string& member);

    // The ledger of `store`, oldest first, at most `limit` entries. Throws RedisError.
    std::vector<ConsentEvent> ledger(const std::string& store, std::size_t limit = 1000);

    // The events about `m` (core/consent.h: concerns), oldest first; reads
    // the whole ledger, `batch` entries a round trip. Throws RedisError.
    std::vector<ConsentEvent> events_about(const Member& m, std::size_t batch = 1000);

    // A store over K > 1 shards keeps a copy of its opt-out sets in every
    // shard: finishes the copies a crash left undone (the todo list record
    // pushes before copying), each from the set of the shard that recorded
    // the event. Returns how many were finished; 0 at once for K = 1.
    // Throws RedisError.
    std::size_t repair_opt_outs(const std::string& store, SysSeconds now);

  private:
    // record_consent.lua in `shard`: the event recorded there, or, with
    // `copy`, only that shard's copy of the opt-out set and its open jobs.
    RedisReply run_script(const Shard& shard, const ConsentEvent& e, long long day_end,
                          long long tomorrow_end, const OnceKey* once, const WelcomePlan* welcome,
                          bool copy);
    // An opt-out's second step on a store whose planned jobs are records of
    // day sheets (layout 2: they have no hash, so record_consent.lua's
    // open-jobs index does not list them): today's planned records on the
    // channel of the member the event names and of every member whose
    // address (phone or openid) it is now end cancelled, reason opted_out;
    // so do the job hashes of their claimed (`d`) records on the channel
    // that are planned again. Returns how many. Not atomic with the script,
    // and need not be: the address is on the opt-out set first, and the
    // claim checks that set against each member's current address before
    // anything goes.
    long long cancel_planned_records(const ConsentEvent& e);

    RedisConnection& redis_;
    const Config& config_;
    LuaScript record_;
};

}  // namespace huitou
