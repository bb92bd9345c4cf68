#include "io/effect_store.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_set>

#include "core/visit_state.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"

namespace huitou {

EffectStore::EffectStore(RedisConnection& redis) : redis_(redis) {}

std::vector<std::optional<HoldoutRecord>> EffectStore::holdout_records(
    const std::string& store, Kind kind, const std::vector<std::string>& members) {
    std::vector<std::optional<HoldoutRecord>> out(members.size());
    if (members.empty()) return out;
    // A member's record is in her shard: one HMGET a shard.
    const int k = shard_count(redis_, store);
    std::map<int, std::vector<std::size_t>> by_shard;
    for (std::size_t i = 0; i < members.size(); ++i)
        by_shard[member_shard(members[i], k)].push_back(i);
    std::vector<RedisCommand> commands;
    for (const auto& [index, items] : by_shard) {
        RedisCommand cmd{"HMGET", keys::holdout(Shard{store, k, index}, kind)};
        for (const auto i : items)
            cmd.push_back(members[i]);
        commands.push_back(std::move(cmd));
    }
    const auto replies = redis_.pipeline(commands);
    std::size_t c = 0;
    for (const auto& [index, items] : by_shard) {
        const auto& reply = replies[c++].expect_ok("HMGET holdout");
        for (std::size_t e = 0; e < items.size() && e < reply.elements.size(); ++e) {
            if (reply.elements[e].type == RedisReply::Type::string)
                out[items[e]] = parse_holdout_record(reply.elements[e].str);
        }
    }
    return out;
}

namespace {

std::string seconds_text(SysSeconds t) {
    return std::to_string(t.time_since_epoch().count());
}

std::optional<long long> number(std::string_view s) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// "<job id>|<m|h>|<channel>|<parts>" due at `due` → a touch; nullopt when
// damaged (skipped: one bad entry must not hide a whole report).
std::optional<Touch> parse_touch(std::string_view entry, SysSeconds due) {
    std::vector<std::string_view> parts;
    for (std::size_t pos = 0;;) {
        const auto bar = entry.find('|', pos);
        parts.push_back(entry.substr(pos, bar - pos));
        if (bar == std::string_view::npos) break;
        pos = bar + 1;
    }
    if (parts.size() != 4) return std::nullopt;
    Touch t;
    t.job_id = std::string(parts[0]);
    const auto first = parts[0].find(':');
    const auto second = first == std::string_view::npos ? first : parts[0].find(':', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    const auto kind = parse_kind(parts[0].substr(0, first));
    const auto date = parse_date(parts[0].substr(second + 1, 10));
    const auto channel = parse_channel(parts[2]);
    const auto sms_parts = number(parts[3]);
    if (!kind || !date || !channel || !sms_parts || (parts[1] != "h" && parts[1] != "m"))
        return std::nullopt;
    t.member_id = std::string(parts[0].substr(first + 1, second - first - 1));
    t.kind = *kind;
    t.occasion = *date;
    t.period = holdout_period(*kind, *date, job_id_detail(parts[0]));
    t.held = parts[1] == "h";
    t.channel = *channel;
    t.sms_parts = static_cast<int>(*sms_parts);
    t.planned_at = due;
    return t;
}

}  // namespace

std::vector<TouchEntry> EffectStore::touch_entries(const std::string& store, SysSeconds from,
                                                   SysSeconds to, const date::time_zone* zone) {
    // Each shard's touches (a store over K shards keeps K sets).
    std::vector<RedisCommand> ranges;
    for (const auto& shard : shards_of(redis_, store))
        ranges.push_back({"ZRANGE", keys::touches(shard), seconds_text(from), seconds_text(to),
                          "BYSCORE", "WITHSCORES"});
    std::vector<TouchEntry> out;
    std::unordered_set<std::string> ids;
    for (const auto& reply : redis_.pipeline(ranges)) {
        reply.expect_ok("ZRANGE touches");
        for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
            const auto due = number(reply.elements[i + 1].str);
            if (!due) continue;
            if (auto t =
                    parse_touch(reply.elements[i].str, SysSeconds{std::chrono::seconds{*due}})) {
                ids.insert(t->job_id);
                out.push_back({std::move(*t), std::nullopt, {}});
            }
        }
    }
    if (ranges.size() > 1)
        std::stable_sort(out.begin(), out.end(), [](const TouchEntry& a, const TouchEntry& b) {
            return a.touch.planned_at < b.touch.planned_at;
        });

    // A store on day sheets: the records of the local days of [from, to].
    SheetStore sheets(redis_);
    if (sheets.layout(store) == sheet_layout) {
        std::vector<Date> days;
        for (auto d = date::sys_days{local_date(from, zone)};
             d <= date::sys_days{local_date(to, zone)}; d += date::days{1})
            days.emplace_back(d);
        std::map<Date, SysSeconds> day_start;
        for (const auto& day : days)
            day_start.emplace(day, start_of_day(day, zone));
        sheets.each_record(store, days, [&](const SheetStore::Place& p) {
            const auto planned_at = day_start.at(p.day) + p.record.due;
            if (planned_at < from || planned_at > to) return;
            // Today's job hashes moved by the migration have a `d` marker
            // record and their own touch: one message, counted once.
            if (ids.contains(p.job_id)) return;
            const auto parts = parse_job_id(p.job_id);
            if (!parts) return;
            Touch t;
            t.job_id = p.job_id;
            t.member_id = parts->member_id;
            t.kind = parts->kind;
            t.occasion = parts->occasion;
            t.period = holdout_period(parts->kind, parts->occasion, parts->detail);
            t.held = p.record.state == JobState::held;
            t.channel = p.record.channel;
            t.sms_parts = p.record.sms_parts;
            t.planned_at = planned_at;
            if (p.record.sent) t.sent_at = day_start.at(p.day) + *p.record.sent;
            ids.insert(p.job_id);
            const bool hash_holds = p.record.state == JobState::dispatched;
            out.push_back(
                {std::move(t), hash_holds ? std::nullopt : std::optional(p.record), p.note});
        });
    }

    // When each messaged one went, if a job hash holds it: HMGET in slices,
    // one round trip.
    // (in its job's shard, a shard's slice at a time).
    constexpr std::size_t kSlice = 1000;
    const int k = shard_count(redis_, store);
    std::map<int, std::vector<std::size_t>> messaged;  // shard → entries
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!out[i].touch.held && !out[i].touch.sent_at && !out[i].record)
            messaged[job_shard(out[i].touch.job_id, k).value_or(0)].push_back(i);
    }
    std::vector<RedisCommand> commands;
    std::vector<std::vector<std::size_t>> asked;  // the entries of each command
    for (const auto& [index, entries] : messaged) {
        for (std::size_t first = 0; first < entries.size(); first += kSlice) {
            RedisCommand cmd{"HMGET", keys::sent_times(Shard{store, k, index})};
            asked.emplace_back();
            for (std::size_t e = first; e < std::min(entries.size(), first + kSlice); ++e) {
                cmd.push_back(out[entries[e]].touch.job_id);
                asked.back().push_back(entries[e]);
            }
            commands.push_back(std::move(cmd));
        }
    }
    const auto replies = redis_.pipeline(commands);
    for (std::size_t c = 0; c < replies.size(); ++c) {
        replies[c].expect_ok("HMGET sent times");
        for (std::size_t e = 0; e < replies[c].elements.size() && e < asked[c].size(); ++e) {
            const auto& r = replies[c].elements[e];
            if (r.type != RedisReply::Type::string) continue;
            if (const auto at = number(r.str))
                out[asked[c][e]].touch.sent_at = SysSeconds{std::chrono::seconds{*at}};
        }
    }
    return out;
}

std::vector<Touch> EffectStore::touches(const std::string& store, SysSeconds from, SysSeconds to,
                                        const date::time_zone* zone) {
    std::vector<Touch> out;
    for (auto& e : touch_entries(store, from, to, zone))
        out.push_back(std::move(e.touch));
    return out;
}

std::map<std::string, std::vector<VisitPoint>> EffectStore::visits(
    const std::string& store, const std::vector<std::string>& members) {
    // A thousand members a round trip: the replies of a whole store would not fit.
    constexpr std::size_t kSlice = 1000;
    std::map<std::string, std::vector<VisitPoint>> out;
    for (std::size_t first = 0; first < members.size(); first += kSlice) {
        const std::size_t last = std::min(members.size(), first + kSlice);
        std::vector<RedisCommand> commands;
        for (std::size_t i = first; i < last; ++i)
            commands.push_back(
                {"HGETALL",
                 keys::visit_state(shard_of_member(redis_, store, members[i]), members[i])});
        const auto replies = redis_.pipeline(commands);
        for (std::size_t i = first; i < last; ++i) {
            replies[i - first].expect_ok("HGETALL visits");
            const auto state = visit_state_from_fields(field_map(replies[i - first]));
            if (!state) continue;
            auto& points = out[members[i]];
            for (const auto& v : state->history)
                points.push_back({v.at, v.amount_cents});
        }
    }
    return out;
}

void EffectStore::note_skips(const std::string& store, const Date& day,
                             const std::map<std::string, long long>& counts, SysSeconds expire_at) {
    const auto key = keys::plan_skips(store, format_date(day));
    // "planned" marks the day as recorded even when planning left nobody out.
    std::vector<RedisCommand> commands{{"HSETNX", key, "planned", "1"}};
    for (const auto& [field, n] : counts)
        commands.push_back({"HSETNX", key, field, std::to_string(n)});
    commands.push_back({"EXPIREAT", key, seconds_text(expire_at)});
    for (const auto& r : redis_.pipeline(commands))
        r.expect_ok("HSETNX plan skips");
}

std::vector<std::optional<std::map<std::string, long long>>> EffectStore::skips(
    const std::string& store, const std::vector<Date>& days) {
    std::vector<RedisCommand> commands;
    for (const auto& day : days)
        commands.push_back({"HGETALL", keys::plan_skips(store, format_date(day))});
    const auto replies = redis_.pipeline(commands);
    std::vector<std::optional<std::map<std::string, long long>>> out;
    for (const auto& r : replies) {
        r.expect_ok("HGETALL plan skips");
        if (r.elements.empty()) {
            out.emplace_back();
            continue;
        }
        std::map<std::string, long long> counts;
        for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
            if (r.elements[i].str == "planned") continue;
            if (const auto n = number(r.elements[i + 1].str)) counts[r.elements[i].str] = *n;
        }
        out.emplace_back(std::move(counts));
    }
    return out;
}

long long EffectStore::forget_sent_records(const std::string& store, const Date& before) {
    // Each shard keeps its own sent times and its own "done up to" day.
    const auto shards = shards_of(redis_, store);
    std::vector<RedisCommand> reads;
    for (const auto& shard : shards)
        reads.push_back({"GET", keys::sent_times_forgotten(shard)});
    const auto done = redis_.pipeline(reads);
    const date::sys_days oldest = date::sys_days{before} - date::days{sent_times_grace_days};
    std::vector<date::sys_days> first(shards.size(), oldest);  // each shard's first day to do
    for (std::size_t s = 0; s < shards.size(); ++s) {
        done[s].expect_ok("GET fx:forgot");
        if (done[s].type != RedisReply::Type::string) continue;
        if (const auto last = parse_date(done[s].str))
            first[s] = std::max(oldest, date::sys_days{*last} + date::days{1});
    }
    std::vector<Date> days;
    for (auto d = *std::min_element(first.begin(), first.end()); d < date::sys_days{before};
         d += date::days{1})
        days.emplace_back(d);
    if (days.empty()) return 0;
    std::map<int, std::vector<std::string>> claimed;  // shard → its claimed records' jobs
    SheetStore(redis_).each_record(store, days, [&](const SheetStore::Place& p) {
        if (p.record.state == JobState::dispatched &&
            date::sys_days{p.day} >= first[static_cast<std::size_t>(p.shard)])
            claimed[p.shard].push_back(p.job_id);
    });
    long long forgotten = 0;
    for (const auto& [index, jobs] : claimed) {
        for (std::size_t i = 0; i < jobs.size(); i += 5000) {
            RedisCommand forget{"HDEL", keys::sent_times(shards[static_cast<std::size_t>(index)])};
            for (std::size_t j = i; j < std::min(jobs.size(), i + 5000); ++j)
                forget.push_back(jobs[j]);
            forgotten += redis_.command(forget).expect_ok("HDEL fx:sent").integer;
        }
    }
    for (const auto& shard : shards)
        redis_.command({"SET", keys::sent_times_forgotten(shard), format_date(days.back())})
            .expect_ok("SET fx:forgot");
    return forgotten;
}

long long EffectStore::trim(const std::string& store, SysSeconds before) {
    // A slice at a time: a festival's million entries never come in one reply.
    const std::string cutoff = "(" + seconds_text(before);
    long long trimmed = 0;
    for (const auto& shard : shards_of(redis_, store)) {
        while (true) {
            const auto old = redis_.command(
                {"ZRANGE", keys::touches(shard), "-inf", cutoff, "BYSCORE", "LIMIT", "0", "5000"});
            old.expect_ok("ZRANGE old touches");
            if (old.elements.empty()) break;
            RedisCommand forget{"HDEL", keys::sent_times(shard)};
            RedisCommand drop{"ZREM", keys::touches(shard)};
            for (const auto& e : old.elements) {
                forget.push_back(e.str.substr(0, e.str.find('|')));
                drop.push_back(e.str);
            }
            const auto replies = redis_.pipeline({forget, drop});
            for (const auto& r : replies)
                r.expect_ok("trim touches");
            trimmed += replies[1].integer;
        }
    }
    return trimmed;
}

}  // namespace huitou
