#include "io/consent_store.h"

#include <charconv>
#include <stdexcept>

#include "core/member_search.h"
#include "core/member_write.h"
#include "core/welcome.h"
#include "io/job_store.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
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

}  // namespace

ConsentStore::ConsentStore(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), record_("record_consent") {}

ConsentOutcome ConsentStore::record(const ConsentEvent& e, const OnceKey* once) {
    // Events are built from outside input (HTTP, replies, the CLI): refused,
    // never asserted on. Callers check first and answer with the reason.
    if (const auto problem = check_consent_event(e))
        throw std::invalid_argument("consent event refused: " + *problem);
    const std::string channel(to_string(e.channel));
    // Today's jobs, in the store's time zone: they expire at the day's end;
    // a welcome (core/welcome.h) at the end of tomorrow.
    long long day_end = 0, tomorrow_end = 0;
    std::optional<WelcomePlan> welcome;
    const auto* store = config_.find_store(e.store);
    if (store && welcomes(e)) welcome = plan_welcome(*store, e.member, e.channel, e.at);
    if (store) {
        const Date today = local_date(e.at, store->zone);
        day_end = start_of_day(Date{date::sys_days{today} + date::days{1}}, store->zone)
                      .time_since_epoch()
                      .count();
        tomorrow_end = start_of_day(Date{date::sys_days{today} + date::days{2}}, store->zone)
                           .time_since_epoch()
                           .count();
    }
    std::vector<std::string> script_keys{keys::consent_log(only_shard(e.store)),
                                         keys::opt_outs(only_shard(e.store), channel),
                                         keys::member(only_shard(e.store), e.member),
                                         keys::open_jobs(only_shard(e.store), day_end),
                                         keys::due(only_shard(e.store)),
                                         keys::inflight(only_shard(e.store)),
                                         keys::counts(only_shard(e.store)),
                                         keys::webhooks_on(only_shard(e.store)),
                                         keys::webhook_events(only_shard(e.store)),
                                         keys::welcomed(only_shard(e.store)),
                                         keys::open_jobs(only_shard(e.store), tomorrow_end)};
    std::vector<std::string> args{std::to_string(e.at.time_since_epoch().count()),
                                  e.store,
                                  channel,
                                  e.opt_in ? "opt_in" : "opt_out",
                                  e.member,
                                  e.address,
                                  std::string(to_string(e.source)),
                                  e.detail,
                                  keys::job_prefix(only_shard(e.store)),
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
    const auto reply = record_.run(redis_, script_keys, args);
    reply.expect_ok("record_consent");
    ConsentOutcome out;
    if (reply.elements.size() == 3 && reply.elements[0].integer < 0) {
        out.duplicate = true;
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
    if (!e.opt_in) out.cancelled += cancel_planned_records(e);
    return out;
}

long long ConsentStore::cancel_planned_records(const ConsentEvent& e) {
    const auto* store = config_.find_store(e.store);
    if (!store) return 0;
    SheetStore sheets(redis_);
    if (sheets.layout(e.store) != sheet_layout) return 0;
    // Who may have a record to the address today: the member the event
    // names, and the members whose address ends the same (p4:, o2:).
    std::vector<std::string> candidates;
    if (const auto index = address_index_key(e.channel, e.address); !index.empty()) {
        const auto ids = redis_.command({"HKEYS", keys::index(only_shard(e.store), index)});
        for (const auto& id : ids.expect_ok("HKEYS address index").elements)
            candidates.push_back(id.str);
    }
    const std::string address_field(e.channel == Channel::sms ? field::phone
                                                              : field::wechat_openid);
    std::vector<RedisCommand> reads;
    for (const auto& id : candidates)
        reads.push_back({"HGET", keys::member(only_shard(e.store), id), address_field});
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
    const auto reply = redis_.command(
        {"SISMEMBER", keys::opt_outs(only_shard(store), std::string(to_string(channel))), address});
    reply.expect_ok("SISMEMBER opt-outs");
    return reply.integer == 1;
}

std::vector<std::pair<bool, bool>> ConsentStore::opted_out(const std::string& store,
                                                           const std::vector<Member>& members) {
    std::vector<std::pair<bool, bool>> out(members.size(), {false, false});
    if (members.empty()) return out;
    // SMISMEMBER needs at least one member: "" stands for "no address".
    std::vector<std::string> sms{"SMISMEMBER", keys::opt_outs(only_shard(store), "sms")};
    std::vector<std::string> wechat{"SMISMEMBER", keys::opt_outs(only_shard(store), "wechat")};
    for (const auto& m : members) {
        sms.push_back(m.phone);
        wechat.push_back(m.wechat_openid);
    }
    const auto replies = redis_.pipeline({sms, wechat});
    for (const auto& r : replies)
        r.expect_ok("SMISMEMBER opt-outs");
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i < replies[0].elements.size())
            out[i].first = !members[i].phone.empty() && replies[0].elements[i].integer == 1;
        if (i < replies[1].elements.size())
            out[i].second =
                !members[i].wechat_openid.empty() && replies[1].elements[i].integer == 1;
    }
    return out;
}

std::map<Channel, SysSeconds> ConsentStore::welcomed(const std::string& store,
                                                     const std::string& member) {
    const auto reply = redis_.command({"HMGET", keys::welcomed(only_shard(store)),
                                       welcomed_field(member, Channel::sms),
                                       welcomed_field(member, Channel::wechat)});
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
    const auto reply = redis_.command(
        {"XRANGE", keys::consent_log(only_shard(store)), "-", "+", "COUNT", std::to_string(limit)});
    reply.expect_ok("XRANGE consent");
    std::vector<ConsentEvent> out;
    read_entries(reply, out, nullptr);
    return out;
}

std::vector<ConsentEvent> ConsentStore::events_about(const Member& m, std::size_t batch) {
    std::vector<ConsentEvent> out;
    std::string start = "-";
    for (;;) {
        const auto reply = redis_.command({"XRANGE", keys::consent_log(only_shard(m.store)), start,
                                           "+", "COUNT", std::to_string(batch)});
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
    return out;
}

}  // namespace huitou
