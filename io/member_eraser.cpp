#include "io/member_eraser.h"

#include <algorithm>
#include <stdexcept>

#include "core/member_write.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/redis_scan.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"

namespace huitou {
namespace {

// Whether job id `<kind>:<member>:<date>[:<detail>]` is member `id`'s (a SCAN
// pattern is only a first cut: "*:M1:*" also matches a detail "M1").
bool names_member(std::string_view job_id, std::string_view id) {
    const auto first = job_id.find(':');
    if (first == std::string_view::npos) return false;
    const auto rest = job_id.substr(first + 1);
    return rest.starts_with(id) && rest.size() > id.size() && rest[id.size()] == ':';
}

void add_list(std::vector<std::string>& args, const std::vector<std::string>& items) {
    args.push_back(std::to_string(items.size()));
    args.insert(args.end(), items.begin(), items.end());
}

}  // namespace

MemberEraser::MemberEraser(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), erase_("erase_member") {}

long long MemberEraser::erase_address_events(const Shard& home, const Member& m) {
    // A store over K > 1 shards records an event that names only an address
    // in that address's own shard (io/consent_store.h), not in hers: those
    // about her phone or openid are deleted there (erase_member.lua saw her
    // shard's ledger only). An event naming a member is never one of these.
    long long deleted = 0;
    for (const auto* address : {&m.phone, &m.wechat_openid}) {
        if (address->empty()) continue;
        const Shard there{home.store, home.k, member_shard(*address, home.k)};
        if (there.index == home.index) continue;
        const auto log = keys::consent_log(there);
        std::string start = "-";
        for (;;) {
            const auto page = redis_.command({"XRANGE", log, start, "+", "COUNT", "1000"});
            page.expect_ok("XRANGE consent");
            RedisCommand xdel{"XDEL", log};
            for (const auto& entry : page.elements) {
                if (entry.elements.size() != 2) continue;
                const auto f = field_map(entry.elements[1]);
                const auto member = f.find("member");
                const auto to = f.find("address");
                if ((member == f.end() || member->second.empty()) && to != f.end() &&
                    to->second == *address)
                    xdel.push_back(entry.elements[0].str);
            }
            if (xdel.size() > 2) deleted += redis_.command(xdel).expect_ok("XDEL consent").integer;
            if (page.elements.size() < 1000) break;
            start = "(" + page.elements.back().elements[0].str;
        }
    }
    return deleted;
}

std::optional<Erasure> MemberEraser::erase(const std::string& store, const std::string& id,
                                           SysSeconds now) {
    // Everything of hers is in her shard (docs/architecture.md, "A store over K shards").
    const Shard shard = shard_of_member(redis_, store, id);
    const std::string prefix = keys::shard_prefix(shard);
    for (int attempt = 0; attempt < 5; ++attempt) {
        const auto stored = field_map(
            redis_.command({"HGETALL", keys::member(shard, id)}).expect_ok("HGETALL member"));
        if (stored.empty()) return std::nullopt;
        const Member m = member_from_fields(store, id, stored);

        // The ledger's last entry now: the script looks at what came after.
        const auto newest =
            redis_.command({"XREVRANGE", keys::consent_log(shard), "+", "-", "COUNT", "1"});
        newest.expect_ok("XREVRANGE consent");
        std::string last;
        if (!newest.elements.empty() && !newest.elements[0].elements.empty())
            last = newest.elements[0].elements[0].str;
        std::vector<std::string> ledger;
        for (const auto& e : ConsentStore(redis_, config_).events_about(m))
            ledger.push_back(e.id);

        std::vector<std::string> jobs;
        const std::string pattern = keys::job_prefix(shard) + "*:" + keys::glob_literal(id) + ":*";
        scan_all(redis_, {"SCAN", "MATCH", pattern, "COUNT", "1000"}, [&](const RedisReply& page) {
            for (const auto& key : page.elements) {
                const auto job_id = key.str.substr(keys::job_prefix(shard).size());
                if (names_member(job_id, id)) jobs.push_back(job_id);
            }
        });

        std::vector<std::string> touches;
        scan_all(redis_,
                 {"ZSCAN", keys::touches(shard), "MATCH", "*:" + keys::glob_literal(id) + ":*",
                  "COUNT", "1000"},
                 [&](const RedisReply& page) {
                     const auto& flat = page.elements;
                     for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
                         const std::string_view entry = flat[i].str;
                         if (names_member(entry.substr(0, entry.find('|')), id))
                             touches.push_back(flat[i].str);
                     }
                 });

        // Her records in the day sheets of every day still kept (a store on
        // layout 2): her one sheet a day, HSCAN MATCH. The fields cannot be
        // computed from her occasions instead: those of the past may no
        // longer be hers (a birthday corrected, a child taken off the card).
        std::vector<std::string> records;
        if (const auto* s = config_.find_store(store)) {
            const Date today = local_date(now, s->zone);
            const auto kept = std::max<long long>(config_.scheduler.job_retention.count() / 86400,
                                                  s->effect.keep_days);
            std::vector<Date> days;
            for (long long d = 0; d <= kept; ++d)
                days.push_back(Date{date::sys_days{today} - date::days{d}});
            for (const auto& p : SheetStore(redis_).member_records(store, days, id)) {
                records.push_back(format_date(p.day));
                records.push_back(std::to_string(p.sheet));
                records.push_back(p.field);
            }
        }

        std::vector<std::string> script_keys{keys::member(shard, id),  keys::visit_state(shard, id),
                                             keys::consent_log(shard), keys::due(shard),
                                             keys::inflight(shard),    keys::counts(shard),
                                             keys::touches(shard),     keys::sent_times(shard)};
        for (const char* set : {"lapse", "returned", "lapsed", "reminded", "churned"})
            script_keys.push_back(keys::winback(shard, set));
        for (const Kind k : all_kinds())
            script_keys.push_back(keys::holdout(shard, k));

        std::vector<std::string> args{id, prefix, m.phone, m.wechat_openid, last};
        // The guard: the fields the index entries below come from.
        std::vector<std::string> guard;
        for (const auto f : member_index_fields()) {
            const auto it = stored.find(std::string(f));
            guard.emplace_back(f);
            guard.push_back(it == stored.end() ? std::string() : it->second);
        }
        args.push_back(std::to_string(guard.size() / 2));
        args.insert(args.end(), guard.begin(), guard.end());
        const auto entries = member_index_entries(m);
        args.push_back(std::to_string(entries.size()));
        for (const auto& e : entries) {
            args.push_back(e.key);
            args.push_back(e.score ? "z" : "s");
        }
        add_list(args, jobs);
        add_list(args, touches);
        add_list(args, ledger);
        args.push_back(std::to_string(records.size() / 3));
        args.insert(args.end(), records.begin(), records.end());

        const auto reply = erase_.run(redis_, script_keys, args);
        reply.expect_ok("erase_member");
        if (reply.elements.empty()) throw RedisReplyError("erase_member", "an empty reply");
        const auto status = reply.elements[0].integer;
        if (status == 0) return std::nullopt;
        if (status < 0) continue;  // a concurrent write moved the indexes: read again
        if (reply.elements.size() < 7) throw RedisReplyError("erase_member", "a short reply");
        Erasure out;
        out.jobs = reply.elements[1].integer + reply.elements[6].integer;
        out.touches = reply.elements[2].integer;
        out.consent_events = reply.elements[3].integer;
        out.consent_rewritten = reply.elements[4].integer;
        out.visits = reply.elements[5].integer != 0;
        out.consent_events += erase_address_events(shard, m);
        return out;
    }
    throw std::runtime_error("member " + id + " kept changing while being erased");
}

}  // namespace huitou
