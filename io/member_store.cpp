#include "io/member_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/consent.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

// Members per apply_member_write call: a script call costs Redis more than
// the few commands inside it, and 100 keep each call well under a millisecond.
constexpr std::size_t kWritesPerCall = 100;

// Appends one member's part of the script's arguments.
void append_script_args(const MemberRecord& r, const MemberWrite& w, std::vector<std::string>& a) {
    a.push_back(r.id);
    if (w.outcome == WriteOutcome::created) {
        a.emplace_back("-1");  // planned for a member not stored: it must still not exist
    } else {
        a.push_back(std::to_string(w.guard.size()));
        for (const auto& [f, v] : w.guard) {
            a.push_back(f);
            a.push_back(v);
        }
    }
    a.push_back(std::to_string(w.set.size()));
    for (const auto& [f, v] : w.set) {
        a.push_back(f);
        a.push_back(v);
    }
    a.push_back(std::to_string(w.clear.size()));
    a.insert(a.end(), w.clear.begin(), w.clear.end());
    a.push_back(std::to_string(w.index_remove.size()));
    for (const auto& e : w.index_remove) {
        a.push_back(e.key);
        a.push_back(e.score ? "z" : "s");
    }
    a.push_back(std::to_string(w.index_add.size()));
    for (const auto& e : w.index_add) {
        a.push_back(e.key);
        a.push_back(e.score ? std::to_string(*e.score) : std::string{});
    }
}

// A batch's consent changes: for an import one ledger event per store shard,
// channel and direction, naming its members; else one per member (core/consent.h).
// A member's evidence is in her shard's ledger, written with her flags.
class ConsentChanges {
  public:
    explicit ConsentChanges(RedisConnection& redis) : redis_(redis) {}

    void add(const MemberRecord& r, const std::optional<FieldMap>& stored, const MemberWrite& w) {
        const Shard shard = shard_of_member(redis_, r.store, r.id);
        for (const Channel c : {Channel::sms, Channel::wechat}) {
            const std::string f(c == Channel::sms ? field::sms_optin : field::wechat_optin);
            const auto it = w.set.find(f);
            if (it == w.set.end()) continue;
            const bool was = stored && stored->contains(f) && stored->at(f) == "1";
            const bool now = it->second == "1";
            if (was != now) members_[{shard.store, shard.k, shard.index, c, now}].push_back(r.id);
        }
    }

    void write(RedisConnection& redis, const MemberStore::Evidence& evidence) {
        for (const auto& reply : redis.pipeline(take_commands(evidence)))
            reply.expect_ok("XADD consent");
    }

    // The ledger's XADDs, one per store shard, channel and direction; forgets them.
    std::vector<RedisCommand> take_commands(const MemberStore::Evidence& evidence) {
        std::vector<RedisCommand> commands;
        for (const auto& [key, ids] : members_) {
            const auto& [store, k, index, channel, opt_in] = key;
            const Shard shard{store, k, index};
            ConsentEvent e;
            e.at = evidence.at;
            e.store = store;
            e.channel = channel;
            e.opt_in = opt_in;
            e.source = evidence.source;
            e.detail = evidence.detail;
            auto add = [&commands, &shard](const ConsentEvent& event) {
                std::vector<std::string> xadd{"XADD", keys::consent_log(shard), "*"};
                for (const auto& [f, v] : to_fields(event)) {
                    xadd.push_back(f);
                    xadd.push_back(v);
                }
                commands.push_back(std::move(xadd));
            };
            if (evidence.source == ConsentSource::import) {
                e.members = ids;
                add(e);
                continue;
            }
            // Not an import: an event per member, as the ledger's other
            // sources name theirs (check_consent_event). Still the shop's
            // flag written with the member, not the member's own word.
            e.shop_record = true;
            for (const auto& id : ids) {
                e.member = id;
                add(e);
            }
        }
        members_.clear();
        return commands;
    }

  private:
    RedisConnection& redis_;
    // (store, K, shard, channel, opted in) → the members
    std::map<std::tuple<std::string, int, int, Channel, bool>, std::vector<std::string>> members_;
};

// Reads the next reply — the member's HGETALL, sent before — and merges
// `record` into it; notes the consent changes when `consent` is given.
MemberWrite merge_next(RedisConnection& redis, const MemberRecord& record,
                       ConsentChanges* consent) {
    const auto reply = redis.read();
    reply.expect_ok("HGETALL member");
    std::optional<FieldMap> stored;
    if (!reply.elements.empty()) stored = field_map(reply);
    auto write = plan_member_write(stored, record);
    if (consent && write.outcome != WriteOutcome::unchanged) consent->add(record, stored, write);
    return write;
}

}  // namespace

MemberStore::MemberStore(RedisConnection& redis) : redis_(redis), apply_("apply_member_write") {}

std::vector<WriteOutcome> MemberStore::upsert(const std::vector<MemberRecord>& records,
                                              const Evidence* evidence) {
    begin_upsert(records, evidence);
    return finish_upsert();
}

void MemberStore::begin_upsert(std::vector<MemberRecord> records, const Evidence* evidence) {
    if (begun_) throw std::logic_error("begin_upsert: the previous batch is not finished");
    Begun b;
    b.records = std::move(records);
    b.outcomes.assign(b.records.size(), WriteOutcome::unchanged);
    b.evidence = evidence;
    // A member named twice splits the batch into runs of distinct members,
    // written in order; all but the last wait for Redis here.
    std::set<std::pair<std::string_view, std::string_view>> in_run;
    for (std::size_t i = 0; i < b.records.size(); ++i) {
        const auto key =
            std::make_pair(std::string_view(b.records[i].store), std::string_view(b.records[i].id));
        if (in_run.contains(key)) {
            upsert_distinct(b.last_group, b.outcomes, b.first, evidence);
            b.last_group.clear();
            in_run.clear();
            b.first = i;
        }
        b.last_group.push_back(&b.records[i]);
        in_run.insert(key);
    }
    std::vector<std::size_t> all(b.last_group.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    b.round = send_watched_round(b.last_group, all, b.outcomes, b.first, evidence);
    begun_ = std::move(b);
}

std::vector<WriteOutcome> MemberStore::finish_upsert() {
    if (!begun_) return {};
    // Moved out first: after an exception nothing is left half-begun.
    Begun b = std::move(*begun_);
    begun_.reset();
    auto retry = collect_round(b.round);
    if (!retry.empty()) {
        // A concurrent writer changed some of them: those are read, merged
        // and written again through the script, waiting for Redis.
        std::vector<const MemberRecord*> again;
        std::vector<std::size_t> index;
        for (const auto i : retry) {
            again.push_back(b.last_group[i]);
            index.push_back(b.first + i);
        }
        std::vector<WriteOutcome> outcomes(again.size(), WriteOutcome::unchanged);
        upsert_distinct(again, outcomes, 0, b.evidence, 1);
        for (std::size_t k = 0; k < again.size(); ++k)
            b.outcomes[index[k]] = outcomes[k];
    }
    return std::move(b.outcomes);
}

void MemberStore::upsert_distinct(const std::vector<const MemberRecord*>& records,
                                  std::vector<WriteOutcome>& outcomes, std::size_t first_index,
                                  const Evidence* evidence, int first_round) {
    std::vector<std::size_t> pending(records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
        pending[i] = i;
    // Conflicts are rare (a concurrent writer); each round retries only those.
    for (int round = first_round; !pending.empty(); ++round) {
        if (round == 10)
            throw RedisError("member writes keep conflicting; is another import running?");
        auto sent = round == 0
                        ? send_watched_round(records, pending, outcomes, first_index, evidence)
                        : send_script_round(records, pending, outcomes, first_index, evidence);
        pending = collect_round(sent);
    }
}

namespace {

// The plain commands of one member's write (what apply_member_write.lua does
// past its guard), appended to `out`.
void append_plain_writes(const std::string& prefix, const std::string& key, const std::string& id,
                         const MemberWrite& w, std::vector<RedisCommand>& out) {
    if (!w.set.empty()) {
        RedisCommand hset{"HSET", key};
        for (const auto& [f, v] : w.set) {
            hset.push_back(f);
            hset.push_back(v);
        }
        out.push_back(std::move(hset));
    }
    if (!w.clear.empty()) {
        RedisCommand hdel{"HDEL", key};
        hdel.insert(hdel.end(), w.clear.begin(), w.clear.end());
        out.push_back(std::move(hdel));
    }
    for (const auto& e : w.index_remove)
        out.push_back({e.score ? "ZREM" : "HDEL", prefix + e.key, id});
    for (const auto& e : w.index_add) {
        if (e.score) {
            out.push_back({"ZADD", prefix + e.key, std::to_string(*e.score), id});
        } else {
            out.push_back({"HSET", prefix + e.key, id, ""});
        }
    }
}

}  // namespace

MemberStore::Round MemberStore::send_watched_round(const std::vector<const MemberRecord*>& records,
                                                   const std::vector<std::size_t>& pending,
                                                   std::vector<WriteOutcome>& outcomes,
                                                   std::size_t first_index,
                                                   const Evidence* evidence) {
    Round round;
    round.watched = true;
    // One transaction per store shard: its keys share a hash tag (one
    // cluster slot). The shards are found before anything is sent.
    std::vector<std::vector<std::size_t>> groups;
    std::vector<Shard> group_shards;
    std::map<std::string, std::size_t> group_of;  // shard tag → its group
    for (const auto i : pending) {
        const Shard shard = shard_of_member(redis_, records[i]->store, records[i]->id);
        const auto [it, added] = group_of.try_emplace(shard.tag(), groups.size());
        if (added) {
            groups.emplace_back();
            group_shards.push_back(shard);
        }
        groups[it->second].push_back(i);
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto& members = groups[g];
        const Shard& shard = group_shards[g];
        // WATCH before the reads: a change after them aborts the EXEC. The
        // shard's fence is watched and read too, as a fenced script reads it
        // (io/lua_script.h): a reshard's copy started after the read aborts
        // the EXEC, and the retry's script meets the fence.
        RedisCommand watch{"WATCH"};
        for (const auto i : members)
            watch.push_back(keys::member(shard, records[i]->id));
        const std::string fence = LuaScript::fence_key(watch[1]);
        watch.push_back(fence);
        redis_.append(watch);
        redis_.append({"GET", fence});
        for (std::size_t k = 0; k < members.size(); ++k)
            redis_.append({"HGETALL", watch[k + 1]});
        // The previous shard's transaction answers first (one connection keeps the order).
        while (round.read < round.applied.size())
            read_transaction(round);
        redis_.read().expect_ok("WATCH");
        const auto fence_state = redis_.read();
        fence_state.expect_ok("GET fence");
        const bool frozen = fence_state.str == "copy";
        if (frozen) round.frozen = shard.tag();
        std::vector<RedisCommand> writes;
        std::vector<std::size_t> written;
        ConsentChanges consent(redis_);
        const std::string prefix = keys::shard_prefix(shard);
        for (std::size_t k = 0; k < members.size(); ++k) {
            const auto i = members[k];
            if (frozen) {  // nothing written: the replies are read and left
                redis_.read();
                continue;
            }
            const auto write = merge_next(redis_, *records[i], evidence ? &consent : nullptr);
            if (write.outcome == WriteOutcome::unchanged) continue;
            outcomes[first_index + i] = write.outcome;
            append_plain_writes(prefix, watch[k + 1], records[i]->id, write, writes);
            written.push_back(i);
        }
        if (after_read_) after_read_();
        // Sent even when empty: EXEC also ends the WATCH. The evidence goes
        // first, in the same transaction: no consent flag changes without
        // it, and an aborted transaction leaves no evidence of a change it
        // did not make (the script round writes it then).
        redis_.append({"MULTI"});
        if (evidence) {
            auto ledger = consent.take_commands(*evidence);
            writes.insert(writes.begin(), std::make_move_iterator(ledger.begin()),
                          std::make_move_iterator(ledger.end()));
        }
        for (const auto& w : writes)
            redis_.append(w);
        redis_.append({"EXEC"});
        round.applied.push_back(std::move(written));
        round.queued.push_back(writes.size());
    }
    redis_.flush();
    return round;
}

void MemberStore::read_transaction(Round& round) {
    const std::size_t t = round.read++;
    redis_.read().expect_ok("MULTI");
    for (std::size_t k = 0; k < round.queued[t]; ++k)
        redis_.read().expect_ok("member write");
    const auto exec = redis_.read();
    exec.expect_ok("EXEC member writes");
    if (exec.is_nil()) {
        // A watched member changed after it was read: nothing was applied.
        round.retry.insert(round.retry.end(), round.applied[t].begin(), round.applied[t].end());
        return;
    }
    for (const auto& r : exec.elements)
        r.expect_ok("member write");
}

MemberStore::Round MemberStore::send_script_round(const std::vector<const MemberRecord*>& records,
                                                  const std::vector<std::size_t>& pending,
                                                  std::vector<WriteOutcome>& outcomes,
                                                  std::size_t first_index,
                                                  const Evidence* evidence) {
    // The shards are found before anything is sent.
    std::vector<Shard> shards;
    for (const auto i : pending)
        shards.push_back(shard_of_member(redis_, records[i]->store, records[i]->id));
    for (std::size_t p = 0; p < pending.size(); ++p)
        redis_.append({"HGETALL", keys::member(shards[p], records[pending[p]]->id)});
    // The members of one call share a store shard (one hash tag, one
    // cluster slot). They are distinct members, so the order of their
    // writes does not matter.
    Round round;
    std::map<std::string, std::size_t> open;  // shard tag → its call being filled
    ConsentChanges consent(redis_);
    for (std::size_t p = 0; p < pending.size(); ++p) {
        const auto i = pending[p];
        const auto write = merge_next(redis_, *records[i], evidence ? &consent : nullptr);
        if (write.outcome == WriteOutcome::unchanged) continue;
        outcomes[first_index + i] = write.outcome;
        const Shard& shard = shards[p];
        auto it = open.find(shard.tag());
        if (it == open.end() || round.calls[it->second].keys.size() == kWritesPerCall) {
            round.calls.push_back({{}, {keys::shard_prefix(shard)}});
            round.applied.emplace_back();
            it = open.insert_or_assign(shard.tag(), round.calls.size() - 1).first;
        }
        round.calls[it->second].keys.push_back(keys::member(shard, records[i]->id));
        append_script_args(*records[i], write, round.calls[it->second].args);
        round.applied[it->second].push_back(i);
    }
    // The evidence goes first: no consent flag changes without it.
    if (evidence) consent.write(redis_, *evidence);
    if (!script_loaded_) {
        // The calls below do not handle NOSCRIPT themselves.
        apply_.load(redis_);
        script_loaded_ = true;
    }
    for (const auto& call : round.calls)
        apply_.send(redis_, call);
    redis_.flush();
    return round;
}

std::vector<std::size_t> MemberStore::collect_round(Round& round) {
    if (round.watched) {
        while (round.read < round.applied.size())
            read_transaction(round);
        if (!round.frozen.empty()) {
            // Every reply is read; the other shards' transactions stand.
            const StoreFrozen frozen(round.frozen, "copy");
            forget_shards(redis_, frozen.store());
            throw frozen;
        }
        return std::move(round.retry);
    }
    std::vector<RedisReply> replies;
    replies.reserve(round.calls.size());
    for (std::size_t c = 0; c < round.calls.size(); ++c)
        replies.push_back(redis_.read());
    for (const auto& reply : replies)
        LuaScript::throw_if_frozen(redis_, reply);
    std::vector<std::size_t> retry;
    for (std::size_t c = 0; c < replies.size(); ++c) {
        if (replies[c].is_error() && replies[c].str.starts_with("NOSCRIPT")) {
            // Redis lost its scripts since the load (a restart, SCRIPT
            // FLUSH): nothing of this call ran, so it runs again.
            replies[c] = apply_.run(redis_, round.calls[c].keys, round.calls[c].args);
        }
        replies[c].expect_ok("apply_member_write");
        if (replies[c].elements.size() != round.applied[c].size())
            throw RedisReplyError("apply_member_write", "unexpected reply");
        for (std::size_t k = 0; k < round.applied[c].size(); ++k) {
            if (replies[c].elements[k].integer == 0) retry.push_back(round.applied[c][k]);
        }
    }
    return retry;
}

std::optional<Member> MemberStore::get(const std::string& store, const std::string& id) {
    const auto reply =
        redis_.command({"HGETALL", keys::member(shard_of_member(redis_, store, id), id)});
    reply.expect_ok("HGETALL member");
    if (reply.elements.empty()) return std::nullopt;
    return member_from_fields(store, id, field_map(reply));
}

std::vector<Member> MemberStore::in_index(const std::string& store, const std::string& suffix) {
    return get_many(store, ids_in(store, {suffix}));
}

namespace {

// The ids in indexes `suffixes` of `shards`, united, sorted.
std::vector<std::string> ids_in_shards(RedisConnection& redis, const std::vector<Shard>& shards,
                                       const std::vector<std::string>& suffixes) {
    for (const auto& shard : shards)
        for (const auto& suffix : suffixes)
            redis.append({"HKEYS", keys::index(shard, suffix)});
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < shards.size() * suffixes.size(); ++i) {
        const auto reply = redis.read();
        reply.expect_ok("HKEYS index");
        for (const auto& id : reply.elements)
            ids.push_back(id.str);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

}  // namespace

std::vector<std::string> MemberStore::ids_in(const std::string& store,
                                             const std::vector<std::string>& suffixes) {
    return ids_in_shards(redis_, shards_of(redis_, store), suffixes);
}

std::vector<Member> MemberStore::get_many(const std::string& store,
                                          const std::vector<std::string>& ids) {
    const int k = shard_count(redis_, store);  // read before the pipeline
    for (const auto& id : ids)
        redis_.append({"HGETALL", keys::member(Shard{store, k, member_shard(id, k)}, id)});
    std::vector<Member> members;
    members.reserve(ids.size());
    for (const auto& id : ids) {
        const auto reply = redis_.read();
        reply.expect_ok("HGETALL member");
        // An index entry whose member is gone is skipped; the next write of
        // that member's indexes cleans it.
        if (!reply.elements.empty())
            members.push_back(member_from_fields(store, id, field_map(reply)));
    }
    return members;
}

void MemberStore::for_each_member(const std::string& store, std::size_t batch,
                                  const std::function<void(const std::vector<Member>&)>& each) {
    batch = std::max<std::size_t>(batch, 1);
    const auto partition = member_partition_keys();
    // The ids first, shard by shard (small indexes whole, several per round
    // trip; a large one by HSCAN), then the members, a batch ahead.
    std::vector<std::string> ids;
    for (const auto& shard : shards_of(redis_, store)) {
        for (const auto& suffix : partition)
            redis_.append({"HLEN", keys::index(shard, suffix)});
        std::vector<long long> sizes;
        for (std::size_t i = 0; i < partition.size(); ++i) {
            const auto reply = redis_.read();
            reply.expect_ok("HLEN index");
            sizes.push_back(reply.integer);
        }
        std::vector<std::string> small;
        long long small_size = 0;
        auto read_small = [&] {
            for (auto& id : ids_in_shards(redis_, {shard}, small))
                ids.push_back(std::move(id));
            small.clear();
            small_size = 0;
        };
        for (std::size_t i = 0; i < partition.size(); ++i) {
            if (sizes[i] == 0) continue;
            if (sizes[i] <= static_cast<long long>(batch)) {
                small.push_back(partition[i]);
                small_size += sizes[i];
                if (small_size >= static_cast<long long>(batch)) read_small();
                continue;
            }
            std::string cursor = "0";
            do {
                const auto reply = redis_.command({"HSCAN", keys::index(shard, partition[i]),
                                                   cursor, "COUNT", std::to_string(batch)});
                reply.expect_ok("HSCAN index");
                if (reply.elements.size() != 2) throw RedisReplyError("HSCAN", "unexpected reply");
                cursor = reply.elements[0].str;
                const auto& pairs = reply.elements[1].elements;  // id, "", id, "", ...
                for (std::size_t k = 0; k < pairs.size(); k += 2)
                    ids.push_back(pairs[k].str);
            } while (cursor != "0");
        }
        if (!small.empty()) read_small();
    }
    read_ahead(store, ids, batch, each);
}

void MemberStore::read_ahead(const std::string& store, const std::vector<std::string>& ids,
                             std::size_t batch,
                             const std::function<void(const std::vector<Member>&)>& each) {
    batch = std::max<std::size_t>(batch, 1);
    const int k = shard_count(redis_, store);  // read before the pipeline
    auto request = [&](std::size_t first) {
        const std::size_t end = std::min(ids.size(), first + batch);
        for (std::size_t i = first; i < end; ++i)
            redis_.append(
                {"HGETALL", keys::member(Shard{store, k, member_shard(ids[i], k)}, ids[i])});
    };
    // hiredis sends what was appended at the next read: the next batch is
    // appended before this one's replies are read, so it reaches Redis then,
    // and Redis reads it while `each` works on this one.
    if (!ids.empty()) request(0);
    for (std::size_t first = 0; first < ids.size(); first += batch) {
        const std::size_t end = std::min(ids.size(), first + batch);
        if (end < ids.size()) request(end);
        std::vector<Member> members;
        members.reserve(end - first);
        for (std::size_t i = first; i < end; ++i) {
            const auto reply = redis_.read();
            reply.expect_ok("HGETALL member");
            // An index entry whose member is gone is skipped (as in get_many).
            if (!reply.elements.empty())
                members.push_back(member_from_fields(store, ids[i], field_map(reply)));
        }
        if (!members.empty()) each(members);
    }
}

}  // namespace huitou
