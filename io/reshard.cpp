#include "io/reshard.h"

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>
#include <utility>

#include "core/config.h"
#include "core/store_shards.h"
#include "io/lua_script.h"
#include "io/parked_events.h"
#include "io/redis_cluster.h"
#include "io/redis_keys.h"
#include "io/redis_scan.h"
#include "io/reshard_copy.h"
#include "io/shard_map.h"
#include "io/store_fingerprint.h"

namespace huitou {
namespace {

constexpr const char* kSheets = "sheets";
constexpr const char* kKeys = "keys";
constexpr const char* kRebuild = "rebuild";
constexpr const char* kDone = "done";
constexpr int kLockMs = 30000;
// A fence left on an old shard after cleanup outlives any process asleep
// for longer than a map period (it reads the record again when it wakes).
constexpr const char* kOldFenceSeconds = "86400";

std::string place_key(const std::string& store) {
    return keys::store_prefix(store) + "reshard";
}
std::string lock_key(const std::string& store) {
    return keys::store_prefix(store) + "reshard:lock";
}
std::string fence_of(const Shard& shard) {
    return LuaScript::fence_key("{" + shard.tag() + "}");
}

using reshard::join;
using reshard::opt_out_todo;
using reshard::write_all;

}  // namespace

Reshard::Reshard(RedisConnection& redis, const Config& config, std::string store, int target,
                 ReshardOptions options)
    : redis_(redis),
      config_(config),
      store_(std::move(store)),
      target_(target),
      options_(std::move(options)) {}

namespace {

ShardRecord read_record(RedisConnection& redis, const std::string& store,
                        std::optional<SysSeconds>* since) {
    const auto reply = redis.command({"HGETALL", keys::shard_record(store)});
    reply.expect_ok("HGETALL " + keys::shard_record(store));
    std::map<std::string, std::string, std::less<>> fields;
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        fields[reply.elements[i].str] = reply.elements[i + 1].str;
    const auto record = parse_shard_record(fields);
    if (!record)
        throw std::runtime_error(keys::shard_record(store) +
                                 " cannot be read by this build (damaged, or a newer version's)");
    if (since) {
        since->reset();
        if (const auto at = fields.find("at"); at != fields.end()) {
            try {
                *since = SysSeconds{std::chrono::seconds{std::stoll(at->second)}};
            } catch (const std::exception&) {
            }
        }
    }
    return *record;
}

}  // namespace

ReshardFacts Reshard::facts(SysSeconds now, bool abort) {
    ReshardFacts f;
    f.record = read_record(redis_, store_, &f.since);
    f.target = target_;
    f.abort = abort;
    f.now = now;
    f.lease = options_.lease;
    f.map_period = options_.map_period;
    const auto& r = f.record;
    const int from = r.k;
    ReshardCopy copier(redis_, store_, from, target_ >= 1 && target_ <= kMaxShards ? target_ : 1,
                       options_.batch);

    const auto layout = redis_.command({"GET", keys::jobs_version(store_)});
    layout.expect_ok("GET jobs:v");
    f.job_layout = !layout.is_nil() && layout.str == "2" ? 2 : 1;
    if (r.phase == ShardRecord::Phase::none && !r.old && target_ != r.k && target_ >= 1 &&
        target_ <= kMaxShards) {
        if (f.job_layout == 1)
            for (int i = 0; i < from && !f.has_jobs; ++i)
                copier.scan_keys(Shard{store_, from, i}, "job:*",
                                 [&](const std::string&) { f.has_jobs = true; });
        for (int j = 0; j < target_; ++j) {
            const Shard shard{store_, target_, j};
            copier.scan_keys(shard, "*", [&](const std::string& rest) {
                // With K2 = 1 the new shard's tag is the store's: its `seg`
                // and care lists are the store's own, optout:todo too.
                if (!keys::is_per_shard(rest) || rest == "optout:todo") return;
                if (target_ == 1 && (rest == "seg" || rest.starts_with("care:"))) return;
                if (f.target_keys.size() < 10)
                    f.target_keys.push_back(keys::shard_prefix(shard) + rest);
            });
        }
    }
    if (r.phase == ShardRecord::Phase::drain) {
        std::vector<RedisCommand> reads;
        for (const auto& shard : all_shards(store_, from))
            reads.push_back({"ZCARD", keys::inflight(shard)});
        f.in_flight = false;
        for (const auto& reply : redis_.pipeline(reads))
            f.in_flight |= reply.expect_ok("ZCARD inflight").integer > 0;
        // Webhook deliveries still owed (not copied yet: the drain waits them out).
        for (const auto& shard : all_shards(store_, from)) {
            copier.scan_keys(shard, "wh:*", [&](const std::string& rest) {
                if (!f.webhooks_pending.empty()) return;
                if (rest.starts_with("wh:q:") || rest.starts_with("wh:due:") ||
                    rest.starts_with("wh:replay:")) {
                    f.webhooks_pending = "endpoint " + rest.substr(rest.find(':', 3) + 1) +
                                         " has events to deliver (" + keys::shard_prefix(shard) +
                                         rest + ")";
                } else if (rest.starts_with("wh:cur:")) {
                    const auto cur = redis_.command({"GET", keys::shard_prefix(shard) + rest});
                    cur.expect_ok("GET wh:cur");
                    if (cur.is_nil()) return;
                    const auto after = redis_.command(
                        {"XRANGE", keys::webhook_events(shard), "(" + cur.str, "+", "COUNT", "1"});
                    after.expect_ok("XRANGE wh:events");
                    if (!after.elements.empty())
                        f.webhooks_pending = "endpoint " + rest.substr(7) +
                                             " has events not taken in yet (" +
                                             keys::webhook_events(shard) + ")";
                }
            });
        }
    }
    const auto place = redis_.command({"HGET", place_key(store_), "pass"});
    place.expect_ok("HGET reshard pass");
    f.copied = !place.is_nil() && place.str == kDone;
    f.differing = differing_;
    f.parked = redis_.command({"LLEN", keys::reshard_parked(store_)}).expect_ok("LLEN").integer;
    return f;
}

void Reshard::start(SysSeconds now) {
    const auto r = read_record(redis_, store_, nullptr);
    std::vector<RedisCommand> writes;
    // A fence a reshard of long ago left on what is now the target (its
    // day's expiry not over) would stop every script there.
    for (const auto& shard : all_shards(store_, target_))
        writes.push_back({"DEL", fence_of(shard)});
    for (const auto& shard : all_shards(store_, r.k))
        writes.push_back({"SET", fence_of(shard), "drain"});
    writes.push_back({"DEL", place_key(store_)});
    writes.push_back({"HSET", keys::shard_record(store_), "k", std::to_string(r.k), "hash", "1",
                      "to", std::to_string(target_), "phase", "drain", "at",
                      std::to_string(now.time_since_epoch().count())});
    write_all(redis_, writes, "reshard start");
    differing_.reset();
}

void Reshard::begin_copy() {
    const auto r = read_record(redis_, store_, nullptr);
    // The phase first: a door that meets a fence always finds a phase that parks.
    redis_.command({"HSET", keys::shard_record(store_), "phase", "copy"}).expect_ok("HSET phase");
    std::vector<RedisCommand> writes;
    for (const auto& shard : all_shards(store_, r.k))
        writes.push_back({"SET", fence_of(shard), "copy"});
    write_all(redis_, writes, "SET fence copy");
}

std::string Reshard::copy_batch() {
    const auto r = read_record(redis_, store_, nullptr);
    ReshardCopy copier(redis_, store_, r.k, target_, options_.batch);
    const auto place = redis_.command({"HGETALL", place_key(store_)});
    place.expect_ok("HGETALL reshard");
    std::map<std::string, std::string> at;
    for (std::size_t i = 0; i + 1 < place.elements.size(); i += 2)
        at[place.elements[i].str] = place.elements[i + 1].str;
    std::string pass = at.count("pass") ? at["pass"] : kSheets;
    const auto save = [&](const std::string& next_pass, int shard, const std::string& cursor) {
        redis_
            .command({"HSET", place_key(store_), "pass", next_pass, "shard", std::to_string(shard),
                      "cursor", cursor, "to", std::to_string(target_)})
            .expect_ok("HSET reshard place");
    };
    const auto number = [&](const char* field) {
        try {
            return at.count(field) ? std::stoi(at[field]) : 0;
        } catch (const std::exception&) {
            throw std::runtime_error(place_key(store_) + " " + field + ": not a number");
        }
    };
    if (pass == kSheets) {
        if (!days_ || at.empty()) days_ = copier.days();
        const auto& days = *days_;
        const int next = number("cursor");
        if (next < static_cast<int>(days.size()))
            copier.copy_day(days[static_cast<std::size_t>(next)]);
        if (next + 1 < static_cast<int>(days.size()))
            save(kSheets, 0, std::to_string(next + 1));
        else
            save(kKeys, 0, "0");
        return kSheets;
    }
    if (pass == kKeys) {
        int shard = number("shard");
        const std::string cursor = at.count("cursor") ? at["cursor"] : "0";
        if (shard < r.k) {
            const auto next = copier.copy_page(shard, cursor);
            if (next == "0") ++shard;
            if (shard < r.k) {
                save(kKeys, shard, next == "0" ? "0" : next);
                return kKeys;
            }
        }
        save(kRebuild, 0, "0");
        return kKeys;
    }
    if (pass == kRebuild) {
        copier.rebuild();
        save(kDone, 0, "0");
        return kRebuild;
    }
    return "";
}

std::vector<std::string> Reshard::verify() {
    const auto r = read_record(redis_, store_, nullptr);
    const auto before = store_fingerprint(redis_, store_, r.k, options_.batch);
    const auto after = store_fingerprint(redis_, store_, target_, options_.batch);
    differing_ = differing_families(before, after);
    return *differing_;
}

void Reshard::switch_over() {
    const auto r = read_record(redis_, store_, nullptr);
    // The record and optout:todo are both under {S}: one transaction. The
    // todo's entries name old shards; the copy settled them.
    write_all(redis_,
              {{"MULTI"},
               {"HSET", keys::shard_record(store_), "k", std::to_string(target_), "old",
                std::to_string(r.k), "phase", "replay"},
               {"DEL", opt_out_todo(store_)},
               {"EXEC"}},
              "reshard switch");
    forget_shards(redis_, store_);
}

namespace {

// Every key of `shard`'s layout to delete: all of an unshared tag but its
// fence; under the store's own tag (K = 1) only the per-shard families,
// and of those not the store's own `seg` and care lists (their n0…n7 go).
void unlink_layout(RedisConnection& redis, const Shard& shard, std::size_t batch) {
    const std::string prefix = keys::shard_prefix(shard);
    const std::string fence = fence_of(shard);
    const RedisCommand scan{"SCAN", "MATCH", prefix + "*", "COUNT", std::to_string(batch)};
    scan_all(redis, scan, [&](const RedisReply& page) {
        std::vector<RedisCommand> unlink;
        for (const auto& key : page.elements) {
            if (key.str == fence) continue;
            const std::string rest = key.str.substr(prefix.size());
            if (shard.k == 1) {
                if (!keys::is_per_shard(rest) || rest == "optout:todo" || rest.starts_with("care:"))
                    continue;
                if (rest == "seg") {
                    unlink.push_back(
                        {"HDEL", key.str, "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"});
                    continue;
                }
            }
            unlink.push_back({"UNLINK", key.str});
        }
        write_all(redis, unlink, "UNLINK " + prefix);
    });
}

}  // namespace

void Reshard::clean() {
    const auto r = read_record(redis_, store_, nullptr);
    const int old = r.old.value_or(r.k);
    for (const auto& shard : all_shards(store_, old))
        unlink_layout(redis_, shard, options_.batch);
    std::vector<RedisCommand> writes;
    for (const auto& shard : all_shards(store_, old))
        writes.push_back({"EXPIRE", fence_of(shard), kOldFenceSeconds});
    writes.push_back({"DEL", place_key(store_)});
    writes.push_back({"DEL", keys::reshard_parked_count(store_)});
    // A store resharded back to one shard is a store never sharded.
    if (r.k == 1)
        writes.push_back({"DEL", keys::shard_record(store_)});
    else
        writes.push_back({"HDEL", keys::shard_record(store_), "old", "to", "at"});
    write_all(redis_, writes, "reshard clean");
    forget_shards(redis_, store_);
}

void Reshard::abort(SysSeconds now) {
    const auto r = read_record(redis_, store_, nullptr);
    const int to = r.to.value_or(target_);
    for (const auto& shard : all_shards(store_, to))
        unlink_layout(redis_, shard, options_.batch);
    // Back to the old layout through a replay: what the doors parked during
    // the copy is applied there, in order, before the store is live again.
    // `to` stays (end_replay.lua clears it): a run killed meanwhile finds a
    // replay whose `to` is not `k`, an abort to finish (reshard_next).
    redis_.command({"HSET", keys::shard_record(store_), "phase", "replay"})
        .expect_ok("HSET phase replay");
    std::vector<RedisCommand> writes;
    for (const auto& shard : all_shards(store_, r.k))
        writes.push_back({"DEL", fence_of(shard)});
    writes.push_back({"DEL", place_key(store_)});
    write_all(redis_, writes, "reshard abort");
    forget_shards(redis_, store_);
    ParkedEvents(redis_, config_).replay(store_, now);
    if (r.k == 1)
        redis_.command({"DEL", keys::shard_record(store_)}).expect_ok("DEL shard record");
    else
        redis_.command({"HDEL", keys::shard_record(store_), "at"}).expect_ok("HDEL at");
    redis_.command({"DEL", keys::reshard_parked_count(store_)}).expect_ok("DEL parked:n");
    forget_shards(redis_, store_);
}

std::vector<std::string> Reshard::placement(int k) {
    std::vector<SlotRange> ranges;
    if (redis_.cluster()) ranges = parse_cluster_shards(redis_.command({"CLUSTER", "SHARDS"}));
    std::vector<std::string> out;
    for (const auto& shard : all_shards(store_, k)) {
        const int slot = key_slot(keys::shard_prefix(shard));
        std::string line = shard.tag() + ": slot " + std::to_string(slot);
        if (!redis_.cluster()) line += " (one redis-server: every shard on it)";
        for (const auto& range : ranges)
            if (slot >= range.first && slot <= range.last)
                line += " on " + range.master.host + ":" + std::to_string(range.master.port);
        out.push_back(std::move(line));
    }
    return out;
}

void Reshard::take_lock() {
    std::random_device random;
    lock_token_ = std::to_string(random()) + "-" + std::to_string(random());
    const auto taken =
        redis_.command({"SET", lock_key(store_), lock_token_, "NX", "PX", std::to_string(kLockMs)});
    taken.expect_ok("SET reshard lock");
    if (taken.is_nil())
        throw std::runtime_error("another huitou reshard of " + store_ + " runs (" +
                                 lock_key(store_) +
                                 "; it expires 30 s after that run stops): wait, then run again");
}

void Reshard::renew_lock() {
    static const char* kRenew =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then "
        "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
    const auto renewed = redis_.command(
        {"EVAL", kRenew, "1", lock_key(store_), lock_token_, std::to_string(kLockMs)});
    if (renewed.expect_ok("renew reshard lock").integer != 1)
        throw std::runtime_error("the reshard lost its lock " + lock_key(store_) +
                                 " (stopped for more than 30 s?): another run may have taken "
                                 "over; run again");
}

void Reshard::release_lock() {
    static const char* kRelease =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then "
        "return redis.call('DEL', KEYS[1]) end return 0";
    redis_.command({"EVAL", kRelease, "1", lock_key(store_), lock_token_});
}

ReshardDecision Reshard::run(const std::function<SysSeconds()>& now,
                             const std::function<void(std::chrono::seconds)>& sleep, bool abort,
                             const ReshardReport& report) {
    take_lock();
    struct Release {
        Reshard* self;
        ~Release() {
            try {
                self->release_lock();
            } catch (const std::exception&) {
            }
        }
    } release{this};
    const auto stop_here = [&](std::string_view what) {
        return !options_.stop_at.empty() && options_.stop_at == what;
    };
    std::string last_pass;
    std::size_t batches = 0;
    while (true) {
        renew_lock();
        const auto decision = reshard_next(facts(now(), abort));
        switch (decision.step) {
            case ReshardStep::refuse:
            case ReshardStep::stop:
            case ReshardStep::done:
                return decision;
            case ReshardStep::wait:
                report(decision.why + ": again in " + std::to_string(decision.wait_for.count()) +
                       " s");
                sleep(decision.wait_for);
                break;
            case ReshardStep::start:
                start(now());
                report("started: the old shards drain (nothing planned or claimed for " + store_ +
                       " from now on)");
                break;
            case ReshardStep::begin_copy:
                begin_copy();
                report("copying: the store's doors park or answer 503 until the switch");
                break;
            case ReshardStep::copy: {
                const auto pass = copy_batch();
                ++batches;
                const bool first = pass != last_pass;
                if (first) report("copy: pass " + pass);
                last_pass = pass;
                if (first && stop_here("copy:" + pass))
                    return {ReshardStep::copy, "stopped after the first batch of pass " + pass, {}};
                continue;
            }
            case ReshardStep::verify: {
                const auto differing = verify();
                report(differing.empty() ? "verified: the fingerprints are equal"
                                         : "the fingerprints differ in " + join(differing, ", "));
                break;
            }
            case ReshardStep::switch_over:
                switch_over();
                report("switched: the store is " + std::to_string(target_) +
                       " shards; replaying what the doors parked");
                break;
            case ReshardStep::replay: {
                const auto replayed = ParkedEvents(redis_, config_).replay(store_, now());
                report("replayed " + std::to_string(replayed.applied) + " parked events");
                break;
            }
            case ReshardStep::clean:
                clean();
                report("cleaned: the old layout is gone");
                break;
            case ReshardStep::abort:
                this->abort(now());
                report("aborted: the new layout is deleted, the store is as it was");
                return {ReshardStep::abort, "aborted", {}};
        }
        if (stop_here(to_string(decision.step)))
            return {decision.step, "stopped after " + std::string(to_string(decision.step)), {}};
    }
}

}  // namespace huitou
