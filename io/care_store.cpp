#include "io/care_store.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <tuple>

#include "core/member.h"
#include "core/visit_cycle.h"
#include "core/visit_state.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"

namespace huitou {
namespace {

// How long a day's list is kept: a year of lists for the staff's notes.
constexpr int kKeepDays = 400;

std::string field_or_empty(const RedisReply& r) {
    return r.type == RedisReply::Type::string ? r.str : std::string{};
}

bool is_message(JobState s) {
    return s == JobState::planned || s == JobState::dispatched || s == JobState::sent ||
           s == JobState::delivered || s == JobState::unknown;
}

int segment_rank(const CareConfig& c, ValueSegment s) {
    const auto it = std::find(c.segments.begin(), c.segments.end(), s);
    return static_cast<int>(it - c.segments.begin());
}

}  // namespace

std::string_view to_string(CareMarkResult r) {
    switch (r) {
        case CareMarkResult::ok:
            return "ok";
        case CareMarkResult::not_listed:
            return "not_listed";
        case CareMarkResult::final:
            return "final";
        case CareMarkResult::no_member:
            return "no_member";
    }
    return "?";
}

CareStore::CareStore(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), build_("build_care_day"), mark_("mark_care") {}

void CareStore::spread_to_shards(const StoreConfig& store, const Date& day) {
    const auto shards = shards_of(redis_, store.id);
    if (shards.size() == 1) return;  // the store's list is its one shard's
    // A store over K > 1 shards: each entry is marked in its member's shard
    // (mark_care.lua writes it with her hash), so each shard holds its
    // entries of the list as built — written once, as the list is.
    const auto key = keys::care_day(store.id, format_date(day));
    const auto all = redis_.command({"HGETALL", key}).expect_ok("HGETALL care day");
    const auto ttl = redis_.command({"EXPIRETIME", key}).expect_ok("EXPIRETIME care day");
    std::map<int, std::vector<std::string>> args;
    std::string built;
    for (std::size_t i = 0; i + 1 < all.elements.size(); i += 2) {
        const auto& field = all.elements[i].str;
        if (field == "~built") built = all.elements[i + 1].str;
        if (field.starts_with("~")) continue;
        auto& a = args[member_shard(field, static_cast<int>(shards.size()))];
        a.push_back(field);
        a.push_back(all.elements[i + 1].str);
    }
    for (const auto& shard : shards) {
        std::vector<std::string> a{std::to_string(ttl.integer > 0 ? ttl.integer : 0), built};
        const auto& mine = args[shard.index];
        a.insert(a.end(), mine.begin(), mine.end());
        build_.run(redis_, {keys::shard_care_day(shard, format_date(day))}, a)
            .expect_ok("build_care_day");
    }
}

CareBuild CareStore::build(const StoreConfig& store, const Date& day, SysSeconds now,
                           const std::function<void()>& between) {
    CareBuild out;
    const std::string key = keys::care_day(store.id, format_date(day));
    if (redis_.command({"EXISTS", key}).integer == 1) {
        spread_to_shards(store, day);  // a build a crash cut short
        return out;
    }
    const auto& care = store.care;
    const int today = day_number(day);
    const int weekday = static_cast<int>(date::weekday{date::sys_days{day}}.iso_encoding());

    // Each shard indexes its own members' segments.
    const auto shards = shards_of(redis_, store.id);
    const int k = static_cast<int>(shards.size());
    std::vector<std::string> ids;
    for (const auto& shard : shards) {
        for (const auto s : care.segments) {
            const auto r =
                redis_.command({"HKEYS", keys::segment_index(shard, static_cast<int>(s))});
            for (const auto& e : r.elements)
                ids.push_back(e.str);
        }
    }
    std::vector<CareCandidate> due;
    const auto slice = static_cast<std::size_t>(std::max(1, config_.scheduler.plan_batch));
    for (std::size_t begin = 0; begin < ids.size(); begin += slice) {
        const std::size_t end = std::min(ids.size(), begin + slice);
        std::vector<RedisCommand> reads;
        for (std::size_t i = begin; i < end; ++i)
            reads.push_back({"HMGET",
                             keys::member(Shard{store.id, k, member_shard(ids[i], k)}, ids[i]),
                             std::string(field::segment), std::string(field::contacts),
                             std::string(field::care_calls), std::string(field::care_stop),
                             std::string(field::work_hours)});
        const auto replies = redis_.pipeline(reads);
        for (std::size_t i = begin; i < end; ++i) {
            const auto& f = replies[i - begin].expect_ok("care list: HMGET").elements;
            if (f.size() != 5) continue;
            ++out.read;
            CareMember m;
            m.id = ids[i];
            if (const auto sg = parse_stored_segment(field_or_empty(f[0]))) m.segment = sg->segment;
            m.contacts = parse_contacts(field_or_empty(f[1]));
            m.care_days = parse_care_days(field_or_empty(f[2]));
            m.stopped = field_or_empty(f[3]) == "1";
            m.work_hours =
                parse_work_hours(field_or_empty(f[4])).value_or(std::vector<TimeWindow>{});
            const auto d = care_due(m, today, weekday, care);
            ++out.verdicts[std::string(to_string(d.verdict))];
            if (d.verdict == CareVerdict::due) due.push_back({m.id, *m.segment, d});
        }
        if (between && end < ids.size()) between();
    }
    // A message planned for her today holds her back (either way: no call
    // on a message's day). Only the due are looked up, in her day's sheet.
    if (!due.empty() && config_.scheduler.job_storage == JobStorage::sheets) {
        SheetStore sheets(redis_);
        std::erase_if(due, [&](const CareCandidate& c) {
            for (const auto& p : sheets.member_records(store.id, day, c.id)) {
                if (is_message(p.record.state)) {
                    ++out.verdicts["message_today"];
                    return true;
                }
            }
            return false;
        });
    }
    out.due = due.size();
    const auto list = choose_care_list(std::move(due), care);
    out.listed = list.size();
    const auto expire_at =
        start_of_day(Date{date::sys_days{day} + date::days{kKeepDays}}, store.zone);
    std::vector<std::string> args{unix_seconds(expire_at), unix_seconds(now)};
    for (const auto& c : list) {
        args.push_back(c.id);
        args.push_back(encode_care_entry({c.id, CareState::open, c.segment, SysSeconds{}, "", ""}));
    }
    out.built = build_.run(redis_, {key}, args).expect_ok("build_care_day").integer == 1;
    spread_to_shards(store, day);
    return out;
}

std::optional<CareDay> CareStore::day(const StoreConfig& store, const Date& day) {
    const auto all = redis_.command({"HGETALL", keys::care_day(store.id, format_date(day))});
    if (all.elements.empty()) return std::nullopt;
    // A store over K > 1 shards: the list as built, each entry as her shard
    // marked it.
    std::map<std::string, std::string> marked;
    const auto shards = shards_of(redis_, store.id);
    if (shards.size() > 1) {
        std::vector<RedisCommand> reads;
        for (const auto& shard : shards)
            reads.push_back({"HGETALL", keys::shard_care_day(shard, format_date(day))});
        for (const auto& reply : redis_.pipeline(reads)) {
            const auto& e = reply.expect_ok("HGETALL shard care day").elements;
            for (std::size_t i = 0; i + 1 < e.size(); i += 2)
                if (!e[i].str.starts_with("~")) marked[e[i].str] = e[i + 1].str;
        }
    }
    CareDay out;
    out.day = day;
    for (std::size_t i = 0; i + 1 < all.elements.size(); i += 2) {
        const auto& k = all.elements[i].str;
        const auto& v = all.elements[i + 1].str;
        if (k == "~built" || k == "~pushed") {
            long long t = 0;
            try {
                t = std::stoll(v);
            } catch (const std::exception&) {
            }
            (k == "~built" ? out.built_at : out.pushed_at.emplace()) =
                SysSeconds{std::chrono::seconds{t}};
            continue;
        }
        const auto in_shard = marked.find(k);
        if (const auto e = decode_care_entry(k, in_shard == marked.end() ? v : in_shard->second)) {
            CareRow row;
            row.entry = *e;
            out.rows.push_back(std::move(row));
        }
    }
    const auto period = care_period(day_number(day), store.care.calls_per_year);
    const int weekday = static_cast<int>(date::weekday{date::sys_days{day}}.iso_encoding());
    std::sort(out.rows.begin(), out.rows.end(), [&](const CareRow& a, const CareRow& b) {
        const auto key = [&](const CareRow& r) {
            return std::tuple(segment_rank(store.care, r.entry.segment),
                              care_day(r.entry.member, period), r.entry.member);
        };
        return key(a) < key(b);
    });
    std::vector<RedisCommand> reads;
    for (const auto& r : out.rows) {
        const Shard shard = shard_of_member(redis_, store.id, r.entry.member);
        reads.push_back({"HMGET", keys::member(shard, r.entry.member), std::string(field::name),
                         std::string(field::phone), std::string(field::contacts),
                         std::string(field::work_hours)});
        reads.push_back({"HGET", keys::visit_state(shard, r.entry.member),
                         std::string(visit_field::last_date)});
    }
    const auto replies = redis_.pipeline(reads);
    for (std::size_t i = 0; i < out.rows.size(); ++i) {
        auto& row = out.rows[i];
        const auto& f = replies[2 * i].elements;
        row.hours = store.care.hours;
        if (f.size() != 4) continue;
        row.member_exists = std::any_of(f.begin(), f.end(), [](const RedisReply& r) {
            return r.type == RedisReply::Type::string;
        });
        row.name = field_or_empty(f[0]);
        row.phone = field_or_empty(f[1]);
        row.last_visit = parse_date(field_or_empty(replies[2 * i + 1]));
        row.work_hours = parse_work_hours(field_or_empty(f[3])).value_or(std::vector<TimeWindow>{});
        row.hours = care_hours(store.care, row.work_hours, weekday);
        std::optional<int> last;
        for (const auto& c : parse_contacts(field_or_empty(f[2])))
            if (!last || c.day > *last) last = c.day;
        if (last) row.last_contact = date_of_day(*last);
    }
    return out;
}

CareMarkResult CareStore::mark(const StoreConfig& store, const Date& day, const std::string& member,
                               CareState state, const std::string& note, const std::string& by,
                               SysSeconds now) {
    assert(state != CareState::open);
    // Her entry in her shard's list (with K = 1 the store's list).
    const Shard shard = shard_of_member(redis_, store.id, member);
    const std::string key = keys::shard_care_day(shard, format_date(day));
    // The entry keeps its segment: read it, as the script would refuse a
    // missing one anyway.
    const auto old = redis_.command({"HGET", key, member});
    if (old.type != RedisReply::Type::string) return CareMarkResult::not_listed;
    auto entry = decode_care_entry(member, old.str);
    if (!entry) return CareMarkResult::not_listed;
    entry->state = state;
    entry->note = note;
    entry->by = by;
    entry->at = now;
    const auto r = mark_
                       .run(redis_, {key, keys::member(shard, member)},
                            {member, encode_care_entry(*entry), std::string(to_string(state)),
                             std::to_string(day_number(day))})
                       .expect_ok("mark_care");
    if (r.str == "ok") return CareMarkResult::ok;
    if (r.str == "no_member") return CareMarkResult::no_member;
    if (r.str.starts_with("final:")) return CareMarkResult::final;
    return CareMarkResult::not_listed;
}

void CareStore::note_pushed(const std::string& store, const Date& day, SysSeconds now) {
    redis_.command(
        {"HSETNX", keys::care_day(store, format_date(day)), "~pushed", unix_seconds(now)});
}

}  // namespace huitou
