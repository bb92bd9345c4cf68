#include "io/consent_store.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

#include "core/member_search.h"
#include "core/member_write.h"
#include "core/welcome.h"
#include "io/job_store.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"

namespace huitou {
namespace {

// Reads XRANGE entries into events, skipping what is not one.
void read_entries(const RedisReply& reply, std::vector<ConsentEvent>& out, std::string* last_id) {
    for (const auto& entry : reply.elements) {
        if (entry.elements.size() != 2) continue;
        if (last_id) *last_id = entry.elements[0].str;
        if (auto e =
                consent_event_from_fields(entry.elements[0].str, field_map(entry.elements[1]))) {
            out.push_back(std::move(*e));
        }
    }
}

// The shard an address's own events are recorded in (an event that names
// no member): a hash of the address, as a member's is of her id.
Shard home_of_address(const std::string& store, int k, const std::string& address) {
    return Shard{store, k, member_shard(address, k)};
}

// The list of opt-out changes being copied into every shard of a store over
// K > 1 shards: "<channel>|<shard that recorded it>|<address>", pushed before
// the copies, removed after them; what a crash leaves is repaired
// (repair_opt_outs). Under the store's own tag: it belongs to no shard.
std::string opt_out_todo(const std::string& store) {
    return keys::store_prefix(store) + "optout:todo";
}

// The index of the members whose address on `channel` ends like `address`
// ("" for none): the phone's last four digits (p4:, core/member_search.h),
// the openid's last two characters (o2:, core/member_write.h).
std::string address_index_key(Channel channel, const std::string& address) {
    if (address.empty()) return {};
    if (channel == Channel::wechat) return openid_index_key(address);
    Member probe;
    probe.phone = address;
    for (auto& key : search_index_keys(probe))
        if (key.starts_with("p4:")) return key;
    return {};
}

// The ends (Unix seconds) of the store's local day of `at` and of the next:
// today's jobs expire at the first, a welcome at the second. 0 for a store
// not in the config.
std::pair<long long, long long> day_ends(const StoreConfig* store, SysSeconds at) {
    if (!store) return {0, 0};
    const Date today = local_date(at, store->zone);
    const auto end = [&](int days) {
        return start_of_day(Date{date::sys_days{today} + date::days{days}}, store->zone)
            .time_since_epoch()
            .count();
    };
    return {end(1), end(2)};
}

}  // namespace

ConsentStore::ConsentStore(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), record_("record_consent") {}

Shard ConsentStore::recording_shard(const ConsentEvent& e) {
    const int k = shard_count(redis_, e.store);
    return e.member.empty() ? home_of_address(e.store, k, e.address)
                            : Shard{e.store, k, member_shard(e.member, k)};
}

ConsentOutcome ConsentStore::record(const ConsentEvent& e, const OnceKey* once) {
    // Events are built from outside input (HTTP, replies, the CLI): refused,
    // never asserted on. Callers check first and answer with the reason.
    if (const auto problem = check_consent_event(e))
        throw std::invalid_argument("consent event refused: " + *problem);
    const std::string channel(to_string(e.channel));
    // Today's jobs, in the store's time zone: they expire at the day's end;
    // a welcome (core/welcome.h) at the end of tomorrow.
    std::optional<WelcomePlan> welcome;
    const auto* store = config_.find_store(e.store);
    if (store && welcomes(e)) welcome = plan_welcome(*store, e.member, e.channel, e.at);
    const auto [day_end, tomorrow_end] = day_ends(store, e.at);
    const int k = shard_count(redis_, e.store);
    // The shard that records the event: the member's, else the address's own.
    const Shard recorder = e.member.empty() ? home_of_address(e.store, k, e.address)
                                            : Shard{e.store, k, member_shard(e.member, k)};
    // Every shard keeps a full copy of the opt-out set (claim_due and
    // begin_send check the job's address in their own slot), so a change of
    // it is copied into the others after the recording; a crash between
    // the copies is repaired from the todo list.
    const bool copies = k > 1 && !e.address.empty() && e.source != ConsentSource::import;
    const std::string todo = channel + "|" + std::to_string(recorder.index) + "|" + e.address;
    if (copies) redis_.command({"RPUSH", opt_out_todo(e.store), todo}).expect_ok("RPUSH todo");
    const auto reply =
        run_script(recorder, e, day_end, tomorrow_end, once, welcome ? &*welcome : nullptr, false);
    ConsentOutcome out;
    if (reply.elements.size() == 3 && reply.elements[0].integer < 0) {
        out.duplicate = true;
        if (copies)
            redis_.command({"LREM", opt_out_todo(e.store), "1", todo}).expect_ok("LREM todo");
        return out;
    }
    if (reply.elements.size() == 3) {
        out.newly_opted_out = reply.elements[0].integer == 1;
        out.cancelled = reply.elements[1].integer;
        if (reply.elements[2].integer == 1 && welcome) {
            out.welcome_job = welcome->job_id;
            out.welcome_due = welcome->due_at;
        }
    }
    if (copies) {
        for (const auto& shard : all_shards(e.store, k)) {
            if (shard.index == recorder.index) continue;
            const auto copied = run_script(shard, e, day_end, tomorrow_end, nullptr, nullptr, true);
            if (copied.elements.size() == 3) out.cancelled += copied.elements[1].integer;
        }
        redis_.command({"LREM", opt_out_todo(e.store), "1", todo}).expect_ok("LREM todo");
    }
    if (!e.opt_in) out.cancelled += cancel_planned_records(e);
    return out;
}

RedisReply ConsentStore::run_script(const Shard& shard, const ConsentEvent& e, long long day_end,
                                    long long tomorrow_end, const OnceKey* once,
                                    const WelcomePlan* welcome, bool copy) {
    const std::string channel(to_string(e.channel));
    std::vector<std::string> script_keys{keys::consent_log(shard),
                                         keys::opt_outs(shard, channel),
                                         keys::member(shard, e.member),
                                         keys::open_jobs(shard, day_end),
                                         keys::due(shard),
                                         keys::inflight(shard),
                                         keys::counts(shard),
                                         keys::webhooks_on(shard),
                                         keys::webhook_events(shard),
                                         keys::welcomed(shard),
                                         keys::open_jobs(shard, tomorrow_end)};
    std::vector<std::string> args{std::to_string(e.at.time_since_epoch().count()),
                                  e.store,
                                  channel,
                                  e.opt_in ? "opt_in" : "opt_out",
                                  e.member,
                                  e.address,
                                  std::string(to_string(e.source)),
                                  e.detail,
                                  keys::job_prefix(shard),
                                  std::to_string(config_.scheduler.job_retention.count())};
    if (once) {
        script_keys.push_back(once->key);
        args.push_back(once->value);
        args.push_back(std::to_string(once->keep_seconds));
    } else {
        args.insert(args.end(), {"", ""});
    }
    if (welcome) {
        args.insert(args.end(), {welcome->job_id, format_date(welcome->day),
                                 std::to_string(welcome->due_at.time_since_epoch().count()),
                                 std::to_string(welcome->expires_at.time_since_epoch().count()),
                                 welcomed_field(e.member, e.channel)});
    } else {
        args.insert(args.end(), {"", "", "", "", ""});
    }
    args.emplace_back(copy ? "copy" : "");
    const auto reply = record_.run(redis_, script_keys, args);
    reply.expect_ok("record_consent");
    return reply;
}

std::size_t ConsentStore::repair_opt_outs(const std::string& store, SysSeconds now) {
    const int k = shard_count(redis_, store);
    if (k == 1) return 0;
    const auto todo = redis_.command({"LRANGE", opt_out_todo(store), "0", "99"});
    todo.expect_ok("LRANGE todo");
    std::size_t repaired = 0;
    for (const auto& entry : todo.elements) {
        // "<channel>|<recording shard>|<address>"; anything else is dropped.
        const auto bar = entry.str.find('|');
        const auto bar2 = bar == std::string::npos ? bar : entry.str.find('|', bar + 1);
        const auto channel = parse_channel(entry.str.substr(0, bar));
        int from = -1;
        if (bar2 != std::string::npos) {
            const auto digits = std::string_view(entry.str).substr(bar + 1, bar2 - bar - 1);
            std::from_chars(digits.data(), digits.data() + digits.size(), from);
        }
        if (channel && from >= 0 && from < k) {
            // The recording shard's set says what the copies must say (a
            // later event may have changed it since): copied to the others.
            ConsentEvent e;
            e.at = now;
            e.store = store;
            e.channel = *channel;
            e.address = entry.str.substr(bar2 + 1);
            e.source = ConsentSource::counter;  // never `import`: the set follows
            const Shard recorder{store, k, from};
            e.opt_in = redis_
                           .command({"SISMEMBER",
                                     keys::opt_outs(recorder, std::string(to_string(*channel))),
                                     e.address})
                           .expect_ok("SISMEMBER opt-outs")
                           .integer == 0;
            const auto [day_end, tomorrow_end] = day_ends(config_.find_store(store), now);
            for (const auto& shard : all_shards(store, k))
                if (shard.index != from)
                    run_script(shard, e, day_end, tomorrow_end, nullptr, nullptr, true);
            ++repaired;
        }
        redis_.command({"LREM", opt_out_todo(store), "1", entry.str}).expect_ok("LREM todo");
    }
    return repaired;
}

long long ConsentStore::cancel_planned_records(const ConsentEvent& e) {
    const auto* store = config_.find_store(e.store);
    if (!store) return 0;
    SheetStore sheets(redis_);
    if (sheets.layout(e.store) != sheet_layout) return 0;
    // Who may have a record to the address today: the member the event
    // names, and the members whose address ends the same (p4:, o2:).
    // (Each shard indexes its own members.)
    std::vector<std::string> candidates;
    if (const auto index = address_index_key(e.channel, e.address); !index.empty()) {
        std::vector<RedisCommand> lists;
        for (const auto& shard : shards_of(redis_, e.store))
            lists.push_back({"HKEYS", keys::index(shard, index)});
        for (const auto& ids : redis_.pipeline(lists))
            for (const auto& id : ids.expect_ok("HKEYS address index").elements)
                candidates.push_back(id.str);
    }
    const std::string address_field(e.channel == Channel::sms ? field::phone
                                                              : field::wechat_openid);
    std::vector<RedisCommand> reads;
    for (const auto& id : candidates)
        reads.push_back(
            {"HGET", keys::member(shard_of_member(redis_, e.store, id), id), address_field});
    const auto addresses = redis_.pipeline(reads);
    std::vector<std::string> members;
    if (!e.member.empty()) members.push_back(e.member);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        // The index is a first cut (the address's end): the address decides.
        if (addresses[i].expect_ok("HGET address").str == e.address && candidates[i] != e.member)
            members.push_back(candidates[i]);
    }
    // Planned records exist only in today's sheets: a day is planned at its
    // own midnight, and yesterday's planned records have expired.
    const Date today = local_date(e.at, store->zone);
    std::vector<SheetStore::Place> planned;
    std::vector<std::string> claimed;  // `d`: their job hashes hold them
    for (const auto& m : members) {
        for (auto& p : sheets.member_records(e.store, today, m)) {
            // The script cancels only those to the event's channel.
            if (p.record.state == JobState::planned)
                planned.push_back(std::move(p));
            else if (p.record.state == JobState::dispatched && p.record.channel == e.channel)
                claimed.push_back(p.job_id);
        }
    }
    long long cancelled = 0;
    for (const auto& before :
         sheets.cancel(e.store, planned, e.at, "opted_out", "opted_out", "opted_out", e.channel))
        cancelled += before == JobState::planned ? 1 : 0;
    // A claimed record's hash is planned again when it was handed back,
    // requeued or is waiting for a retry: in no open-jobs index (the claim
    // writes none, to keep its commands), so found here, from the record.
    // One in flight is left to begin_send and mark_call, as the design says.
    if (!claimed.empty()) {
        for (const auto& before :
             JobStore(redis_, config_.scheduler)
                 .cancel_planned(e.store, claimed, "opted_out", "opted_out", e.at))
            cancelled += before == JobState::planned ? 1 : 0;
    }
    return cancelled;
}

bool ConsentStore::is_opted_out(const std::string& store, Channel channel,
                                const std::string& address) {
    // Every shard holds the whole set: the address's own shard is asked.
    const auto reply =
        redis_.command({"SISMEMBER",
                        keys::opt_outs(home_of_address(store, shard_count(redis_, store), address),
                                       std::string(to_string(channel))),
                        address});
    reply.expect_ok("SISMEMBER opt-outs");
    return reply.integer == 1;
}

std::vector<std::pair<bool, bool>> ConsentStore::opted_out(const std::string& store,
                                                           const std::vector<Member>& members) {
    std::vector<std::pair<bool, bool>> out(members.size(), {false, false});
    if (members.empty()) return out;
    // Each member against her shard's copy of the sets (the one her claim
    // checks). SMISMEMBER needs at least one member: "" stands for "no address".
    const int k = shard_count(redis_, store);
    std::map<int, std::vector<std::size_t>> by_shard;
    for (std::size_t i = 0; i < members.size(); ++i)
        by_shard[member_shard(members[i].id, k)].push_back(i);
    std::vector<RedisCommand> commands;
    for (const auto& [index, items] : by_shard) {
        const Shard shard{store, k, index};
        RedisCommand sms{"SMISMEMBER", keys::opt_outs(shard, "sms")};
        RedisCommand wechat{"SMISMEMBER", keys::opt_outs(shard, "wechat")};
        for (const auto i : items) {
            sms.push_back(members[i].phone);
            wechat.push_back(members[i].wechat_openid);
        }
        commands.push_back(std::move(sms));
        commands.push_back(std::move(wechat));
    }
    const auto replies = redis_.pipeline(commands);
    std::size_t c = 0;
    for (const auto& [index, items] : by_shard) {
        const auto& sms = replies[c++].expect_ok("SMISMEMBER opt-outs");
        const auto& wechat = replies[c++].expect_ok("SMISMEMBER opt-outs");
        for (std::size_t e = 0; e < items.size(); ++e) {
            const Member& m = members[items[e]];
            if (e < sms.elements.size())
                out[items[e]].first = !m.phone.empty() && sms.elements[e].integer == 1;
            if (e < wechat.elements.size())
                out[items[e]].second = !m.wechat_openid.empty() && wechat.elements[e].integer == 1;
        }
    }
    return out;
}

std::map<Channel, SysSeconds> ConsentStore::welcomed(const std::string& store,
                                                     const std::string& member) {
    const auto reply = redis_.command(
        {"HMGET", keys::welcomed(shard_of_member(redis_, store, member)),
         welcomed_field(member, Channel::sms), welcomed_field(member, Channel::wechat)});
    reply.expect_ok("HMGET welcomed");
    std::map<Channel, SysSeconds> out;
    const Channel channels[] = {Channel::sms, Channel::wechat};
    for (std::size_t i = 0; i < 2 && i < reply.elements.size(); ++i) {
        const auto& v = reply.elements[i].str;
        long long t = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), t);
        if (!v.empty() && ec == std::errc{} && end == v.data() + v.size())
            out[channels[i]] = SysSeconds{std::chrono::seconds{t}};
    }
    return out;
}

std::vector<ConsentEvent> ConsentStore::ledger(const std::string& store, std::size_t limit) {
    // Each shard's ledger, merged in time (a store over K shards has K).
    std::vector<RedisCommand> ranges;
    for (const auto& shard : shards_of(redis_, store))
        ranges.push_back(
            {"XRANGE", keys::consent_log(shard), "-", "+", "COUNT", std::to_string(limit)});
    std::vector<ConsentEvent> out;
    for (const auto& reply : redis_.pipeline(ranges))
        read_entries(reply.expect_ok("XRANGE consent"), out, nullptr);
    if (ranges.size() > 1) {
        std::stable_sort(out.begin(), out.end(),
                         [](const ConsentEvent& a, const ConsentEvent& b) { return a.at < b.at; });
        if (out.size() > limit) out.resize(limit);
    }
    return out;
}

std::vector<ConsentEvent> ConsentStore::events_about(const Member& m, std::size_t batch) {
    // Her shard's ledger, and the ledgers of her addresses' own shards
    // (where an event naming only the address is recorded).
    const int k = shard_count(redis_, m.store);
    std::set<int> shards{member_shard(m.id, k)};
    for (const auto* address : {&m.phone, &m.wechat_openid})
        if (!address->empty()) shards.insert(member_shard(*address, k));
    std::vector<ConsentEvent> out;
    for (const int index : shards) {
        const Shard shard{m.store, k, index};
        std::string start = "-";
        for (;;) {
            const auto reply = redis_.command(
                {"XRANGE", keys::consent_log(shard), start, "+", "COUNT", std::to_string(batch)});
            reply.expect_ok("XRANGE consent");
            std::vector<ConsentEvent> chunk;
            std::string last;
            read_entries(reply, chunk, &last);
            for (auto& e : chunk) {
                if (concerns(e, m)) out.push_back(std::move(e));
            }
            if (reply.elements.size() < batch || last.empty()) break;
            start = "(" + last;  // exclusive: the entries after the last one read
        }
    }
    if (shards.size() > 1)
        std::stable_sort(out.begin(), out.end(),
                         [](const ConsentEvent& a, const ConsentEvent& b) { return a.at < b.at; });
    return out;
}

}  // namespace huitou
