#include "io/segment_store.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <spdlog/spdlog.h>

#include "core/visit_cycle.h"
#include "core/visit_state.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {
namespace {

// The win-back's sets: every member with visits is in exactly one of them
// (scripts/record_visit.lua, winback_transition.lua; wb:returned is a part
// of wb:lapse).
constexpr std::array<std::string_view, 4> kMemberSets{"lapse", "lapsed", "reminded", "churned"};

template <typename T>
std::optional<T> number(std::string_view s) {
    T value{};
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return value;
}

std::optional<int> last_day_of(const RedisReply& last_date) {
    if (last_date.is_nil()) return std::nullopt;
    const auto d = parse_date(last_date.str);
    if (!d) return std::nullopt;
    return day_number(*d);
}

}  // namespace

SegmentStore::SegmentStore(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config), set_("set_segments") {}

SegmentRun SegmentStore::run(const std::string& store) {
    const auto reply = redis_.command({"HGETALL", keys::segments(store)});
    reply.expect_ok("HGETALL segments");
    const auto f = field_map(reply);
    auto get = [&f](std::string_view key) -> std::string_view {
        const auto it = f.find(key);
        return it == f.end() ? std::string_view{} : std::string_view{it->second};
    };
    SegmentRun r;
    r.thresholds_day = number<int>(get("gen")).value_or(0);
    r.done_day = number<int>(get("done")).value_or(0);
    r.period_months = number<int>(get("period")).value_or(0);
    const auto members = number<long long>(get("members"));
    const auto rd = number<int>(get("r"));
    const auto fv = number<long long>(get("f"));
    const auto m = number<long long>(get("m"));
    if (members && *members > 0 && rd && fv && m)
        r.thresholds = SegmentThresholds{*rd, *fv, *m, static_cast<std::size_t>(*members)};
    r.without = number<long long>(get("none")).value_or(0);
    // The counts are each shard's (set_segments.lua counts a member with
    // her `sg`, in her shard): summed. With K = 1 the store's hash is the
    // shard's.
    const auto shards = shards_of(redis_, store);
    std::vector<FieldMap> counts{f};
    if (shards.size() > 1) {
        counts.clear();
        std::vector<RedisCommand> reads;
        for (const auto& shard : shards)
            reads.push_back({"HGETALL", keys::shard_segments(shard)});
        for (const auto& reply : redis_.pipeline(reads))
            counts.push_back(field_map(reply.expect_ok("HGETALL shard segments")));
    }
    for (const auto& c : counts) {
        for (int i = 0; i < value_segment_count; ++i) {
            const auto it = c.find("n" + std::to_string(i));
            if (it != c.end())
                r.counts[static_cast<std::size_t>(i)] += number<long long>(it->second).value_or(0);
        }
    }
    return r;
}

void SegmentStore::each_slice(const std::string& store, std::size_t slice,
                              const std::function<void(std::vector<MemberNumbers>&)>& each,
                              const std::function<void()>& between) {
    bool first = true;
    for (const auto& shard : shards_of(redis_, store))
        for (const auto set : kMemberSets) {
            const auto key = keys::winback(shard, set);
            for (std::size_t start = 0;; start += slice) {
                const auto ids = redis_.command(
                    {"ZRANGE", key, std::to_string(start), std::to_string(start + slice - 1)});
                ids.expect_ok("ZRANGE members with visits");
                if (ids.elements.empty()) break;
                if (!first && between) between();
                first = false;
                std::vector<RedisCommand> reads;
                for (const auto& id : ids.elements)
                    reads.push_back(
                        {"HMGET", keys::visit_state(shard, id.str), "last_date", "mo", "last"});
                const auto replies = redis_.pipeline(reads);
                std::vector<MemberNumbers> numbers;
                std::vector<std::size_t> without_months;  // visits recorded before "mo": by history
                for (std::size_t i = 0; i < replies.size(); ++i) {
                    replies[i].expect_ok("HMGET visit numbers");
                    if (replies[i].elements.size() != 3) continue;
                    const auto last_day = last_day_of(replies[i].elements[0]);
                    if (!last_day) continue;  // no visit state (erased meanwhile)
                    MemberNumbers n{ids.elements[i].str, *last_day, {}};
                    if (replies[i].elements[1].is_nil())
                        without_months.push_back(numbers.size());
                    else
                        n.months = parse_month_totals(replies[i].elements[1].str);
                    numbers.push_back(std::move(n));
                }
                if (!without_months.empty()) {
                    std::vector<RedisCommand> histories;
                    for (const auto i : without_months)
                        histories.push_back({"HGETALL", keys::visit_state(shard, numbers[i].id)});
                    const auto states = redis_.pipeline(histories);
                    for (std::size_t k = 0; k < states.size(); ++k) {
                        states[k].expect_ok("HGETALL visit state");
                        if (const auto v = visit_state_from_fields(field_map(states[k])))
                            numbers[without_months[k]].months = month_totals_of(v->history);
                    }
                }
                each(numbers);
                if (ids.elements.size() < slice) break;
            }
        }
}

void SegmentStore::write(const std::string& store,
                         const std::vector<std::pair<std::string, std::string>>& values) {
    if (values.empty()) return;
    // One set_segments call a shard: a member's segment and its count are
    // written together, in her shard.
    const int k = shard_count(redis_, store);
    std::map<int, LuaScript::Call> calls;
    for (const auto& [id, value] : values) {
        const Shard shard{store, k, member_shard(id, k)};
        auto& call = calls[shard.index];
        if (call.keys.empty()) call.keys.push_back(keys::shard_segments(shard));
        call.keys.push_back(keys::member(shard, id));
        call.args.push_back(value);
    }
    for (const auto& [index, call] : calls)
        set_.run(redis_, call.keys, call.args).expect_ok("set_segments");
}

SegmentRecompute SegmentStore::recompute(const StoreConfig& store, const Date& day,
                                         const std::function<void()>& between, bool force) {
    SegmentRecompute out;
    const int today = day_number(day);
    const int period = store.segments.period_months;
    const auto slice = static_cast<std::size_t>(std::max(1, config_.scheduler.plan_batch));
    SegmentRun stored = run(store.id);
    if (stored.done_day >= today && !force) return out;
    out.ran = true;

    // The thresholds, unless this day's are written already (a run cut
    // halfway through its members goes on with them).
    if (stored.thresholds_day != today || stored.period_months != period || force) {
        std::vector<int> rs;
        std::vector<long long> fs, ms;
        each_slice(
            store.id, slice,
            [&](std::vector<MemberNumbers>& numbers) {
                ++out.slices;
                for (const auto& n : numbers) {
                    if (const auto r = rfm_on(day, period, n.last_day, n.months)) {
                        rs.push_back(r->recency_days);
                        fs.push_back(r->visits);
                        ms.push_back(r->cents);
                    }
                }
            },
            between);
        stored.thresholds = thresholds_of(std::move(rs), std::move(fs), std::move(ms));
        stored.thresholds_day = today;
        // A new generation: its counts start at zero, atomically with `gen`
        // (set_segments.lua counts only the members of the current one).
        const auto key = keys::segments(store.id);
        std::vector<RedisCommand> begin{{"MULTI"}};
        RedisCommand clear{"HDEL", key, "r", "f", "m"};
        for (int i = 0; i < value_segment_count; ++i)
            clear.push_back("n" + std::to_string(i));
        begin.push_back(clear);
        RedisCommand set{
            "HSET",    key,
            "gen",     std::to_string(today),
            "day",     format_date(day),
            "period",  std::to_string(period),
            "members", std::to_string(stored.thresholds ? stored.thresholds->members : 0)};
        if (stored.thresholds) {
            set.insert(set.end(), {"r", std::to_string(stored.thresholds->recency_days), "f",
                                   std::to_string(stored.thresholds->visits), "m",
                                   std::to_string(stored.thresholds->cents)});
        }
        begin.push_back(set);
        begin.push_back({"EXEC"});
        for (const auto& r : redis_.pipeline(begin))
            r.expect_ok("begin a segments generation");
        // A store over K > 1 shards: each shard's generation and counts too,
        // a transaction a shard (one slot each); with K = 1 the store's hash
        // is its shard's.
        const auto shards = shards_of(redis_, store.id);
        if (shards.size() > 1) {
            std::vector<RedisCommand> resets;
            for (const auto& shard : shards) {
                RedisCommand clear_counts{"HDEL", keys::shard_segments(shard)};
                for (int i = 0; i < value_segment_count; ++i)
                    clear_counts.push_back("n" + std::to_string(i));
                resets.insert(resets.end(),
                              {{"MULTI"},
                               clear_counts,
                               {"HSET", keys::shard_segments(shard), "gen", std::to_string(today)},
                               {"EXEC"}});
            }
            for (const auto& r : redis_.pipeline(resets))
                r.expect_ok("begin a shard's segments generation");
        }
        if (between) between();
    }
    out.thresholds = stored.thresholds;

    // Every member against them.
    std::size_t without = 0;
    each_slice(
        store.id, slice,
        [&](std::vector<MemberNumbers>& numbers) {
            ++out.slices;
            std::vector<std::pair<std::string, std::string>> values;
            for (const auto& n : numbers) {
                ++out.members;
                const auto r = rfm_on(day, period, n.last_day, n.months);
                if (!r || !stored.thresholds) {
                    ++without;
                    values.emplace_back(n.id, std::string{});
                    continue;
                }
                ++out.scored;
                values.emplace_back(
                    n.id, format_stored_segment({segment_of(*r, *stored.thresholds), today, *r}));
            }
            write(store.id, values);
        },
        between);
    redis_
        .command({"HSET", keys::segments(store.id), "done", std::to_string(today), "none",
                  std::to_string(without)})
        .expect_ok("HSET segments done");
    return out;
}

void SegmentStore::on_visits(const std::vector<Visit>& visits,
                             const std::vector<VisitRecorded>& recorded, SysSeconds now) {
    // The last reply of each member: her numbers after all of the batch.
    std::map<std::pair<std::string, std::string>, const VisitRecorded*> latest;
    for (std::size_t i = 0; i < visits.size() && i < recorded.size(); ++i) {
        const auto& r = recorded[i];
        if (r.outcome == VisitOutcome::duplicate || !r.member_known || r.last_day == 0) continue;
        latest[{visits[i].store, visits[i].member_id}] = &r;
    }
    if (latest.empty()) return;
    std::map<std::string, SegmentRun> runs;
    for (const auto& [key, r] : latest)
        runs.emplace(key.first, SegmentRun{});
    for (auto& [store, r] : runs)
        r = run(store);
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> values;
    for (const auto& [key, r] : latest) {
        const auto& run = runs.at(key.first);
        const StoreConfig* store = config_.find_store(key.first);
        if (!store || !run.thresholds) continue;  // before the first nightly run: nothing yet
        const Date today = local_date(now, store->zone);
        const auto numbers = rfm_on(today, store->segments.period_months, r->last_day,
                                    parse_month_totals(r->months));
        values[key.first].emplace_back(
            key.second, numbers ? format_stored_segment({segment_of(*numbers, *run.thresholds),
                                                         run.thresholds_day, *numbers})
                                : std::string{});
    }
    for (const auto& [store, v] : values)
        write(store, v);
}

}  // namespace huitou
