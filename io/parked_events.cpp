#include "io/parked_events.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "core/event_body.h"
#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/visit_store.h"

namespace huitou {

namespace {

// Entries applied between two LTRIMs: a crash applies at most these again.
constexpr long long kReplayBatch = 200;

// A door retries when park.lua finds no phase that parks after its apply met
// the fence: the reshard writes the phase before the fences, so this only
// takes a race with end_replay or a fence this build did not raise.
constexpr int kAttempts = 3;

}  // namespace

ParkedEvents::ParkedEvents(RedisConnection& redis, const Config& config)
    : redis_(redis), config_(config) {}

bool ParkedEvents::parking(const std::string& store) {
    const auto phase = redis_.shard_cache().of(redis_, store).phase;
    return phase == ShardRecord::Phase::copy || phase == ShardRecord::Phase::replay;
}

bool ParkedEvents::park(const std::string& store, const std::vector<ParkedEvent>& events) {
    std::vector<std::string> args;
    args.reserve(events.size());
    for (const auto& e : events)
        args.push_back(encode_parked(e));
    const auto reply = park_.run(
        redis_,
        {keys::shard_record(store), keys::reshard_parked(store), keys::reshard_parked_count(store)},
        args);
    reply.expect_ok("park.lua");
    if (reply.integer > 0) return true;
    forget_shards(redis_, store);
    return false;
}

bool ParkedEvents::apply_or_park(const std::string& store, const std::vector<ParkedEvent>& events,
                                 const std::function<void()>& apply) {
    for (int attempt = 1;; ++attempt) {
        if (parking(store) && park(store, events)) return true;
        try {
            apply();
            return false;
        } catch (const StoreFrozen&) {
            // What `apply` wrote before the fence is written again by the
            // replay, harmlessly (the top of the header).
            if (park(store, events)) return true;
            if (attempt == kAttempts) throw;
        }
    }
}

long long ParkedEvents::waiting(const std::string& store) {
    return redis_.command({"LLEN", keys::reshard_parked(store)}).expect_ok("LLEN parked").integer;
}

ParkedEvents::Replayed ParkedEvents::replay(const std::string& store, SysSeconds now) {
    Replayed out;
    const auto record = keys::shard_record(store);
    const auto list = keys::reshard_parked(store);
    if (redis_.command({"HGET", record, "phase"}).expect_ok("HGET phase").str != "replay")
        return out;
    // Routed by the new layout: a record read before the switch names the old.
    forget_shards(redis_, store);
    VisitStore visits(redis_, config_);
    ConsentStore consent(redis_, config_);
    JobStore jobs(redis_, config_.scheduler);
    for (;;) {
        const auto batch = redis_.command({"LRANGE", list, "0", std::to_string(kReplayBatch - 1)});
        batch.expect_ok("LRANGE parked");
        if (batch.elements.empty()) {
            const auto ended = end_replay_.run(redis_, {record, list}, {});
            ended.expect_ok("end_replay.lua");
            if (ended.integer == 0) continue;  // a door parked one meanwhile
            forget_shards(redis_, store);
            out.ended = ended.integer == 1;
            return out;
        }
        std::size_t done = 0;
        std::vector<Visit> run;  // consecutive visits: one call
        const auto flush = [&] {
            if (!run.empty()) visits.record(run, now);
            run.clear();
        };
        std::string unreadable;
        for (const auto& element : batch.elements) {
            std::string error;
            const auto entry = split_parked_entry(element.str);
            auto event = entry ? decode_parked(entry->text, &error) : std::nullopt;
            if (!entry) error = "not \"<reshard>:<n> <event>\"";
            if (event && store_of(*event) != store) {
                error = "it names store " + store_of(*event);
                event.reset();
            }
            if (!event) {
                unreadable = "entry " + std::to_string(done + 1) + " of " + list + " (" +
                             element.str.substr(0, 120) + "): " + error;
                break;
            }
            if (auto* v = std::get_if<Visit>(&*event)) {
                run.push_back(std::move(*v));
            } else if (const auto* c = std::get_if<ConsentEvent>(&*event)) {
                flush();
                if (const auto problem = check_consent_event(*c)) {
                    spdlog::warn("{}: a parked consent event not recorded: {}", store, *problem);
                } else {
                    const OnceKey once{keys::event(consent.recording_shard(*c), "rs:" + entry->id),
                                       "replayed", kEventIdKeepSeconds};
                    consent.record(*c, &once);
                }
            } else {
                flush();
                const auto& d = std::get<ParkedDelivery>(*event);
                if (!jobs.record_delivery(d.store, d.job_id, d.status, d.at, d.detail))
                    spdlog::warn("{}: a parked delivery result for {} names no job", store,
                                 d.job_id);
            }
            ++done;
        }
        flush();
        if (done > 0) {
            redis_.command({"LTRIM", list, std::to_string(done), "-1"}).expect_ok("LTRIM parked");
            out.applied += done;
        }
        if (!unreadable.empty())
            throw std::runtime_error(
                store + ": the replay stops at an event this build cannot read, " + unreadable +
                "; the events before it are applied. Keep the entry elsewhere, remove it (LPOP) "
                "and run the reshard again");
    }
}

}  // namespace huitou
