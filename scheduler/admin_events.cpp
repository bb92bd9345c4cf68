// admin_events.cpp — AdminApi's events routes: POST /api/v1/stores/<S>/events
// and …/events:batch.
//
// An event is read by core/event_body.h and recorded through the code that
// records the same thing elsewhere: a visit by VisitStore (as /api/visits),
// a card renewal by MemberStore::upsert (a merge of card_expires: the
// indexes move), a consent event by ConsentStore::record (source api). Its
// event_id is remembered 30 days with the first answer (hu:{S}:event:<id>):
// the same id again records nothing and answers "duplicate": true with the
// first outcome. How each type is kept from being recorded twice:
//   - visit: the event_id is the visit_id, and record_visit.lua refuses a
//     visit it has (the member's history), atomically; the answer is stored
//     after, and a visit that comes back duplicate from the script is a
//     duplicate whether or not the answer was stored;
//   - consent: the id is taken inside record_consent.lua, with the event
//     (OnceKey), so an old opt-in replayed can never undo a later opt-out;
//   - card_renewal: the answer is stored after the write. A repeat that
//     slips between the two (a crash there) writes the same date again:
//     unchanged, harmless — only a repeat arriving after a later renewal
//     could set the older date, which needs that crash and that order.
// A batch reads every id and member in one round trip, records the visits
// in one pipeline and the renewals in one upsert, then the consent events
// one script each, in order; an id twice in one batch is recorded once.
#include <map>

#include <spdlog/spdlog.h>

#include "core/event_body.h"
#include "io/consent_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/visit_store.h"
#include "scheduler/admin_api.h"
#include "scheduler/store_access.h"
#include "scheduler/visit_http.h"

namespace huitou {
namespace {

HttpReply error(int status, const std::string& why) {
    return {status, nlohmann::json{{"error", why}}.dump()};
}

// What is remembered of an event, and answered: its type, member and result.
nlohmann::json first_answer(const ApiEvent& e, nlohmann::json result) {
    return {{"type", to_string(e.type)}, {"member_id", e.member_id}, {"result", std::move(result)}};
}

void recorded(BatchResult& r, nlohmann::json answer, bool duplicate) {
    r.status = 200;
    r.outcome = duplicate ? "duplicate" : "recorded";
    answer["duplicate"] = duplicate;
    r.extra = std::move(answer);
}

}  // namespace

std::vector<BatchResult> AdminApi::record_events(RedisConnection& redis, const std::string& store,
                                                 std::vector<nlohmann::json>& items,
                                                 const HttpRequest& req) {
    const SysSeconds now = clock_.now();
    const MemberRowParser parser(
        [this](std::string_view s) { return config_.find_store(s) != nullptr; });
    std::vector<BatchResult> results(items.size());
    std::vector<std::optional<ApiEvent>> events(items.size());
    std::map<std::string, std::size_t> first;  // event id → its first item
    std::vector<std::size_t> repeats;          // items repeating an earlier one of the batch
    std::vector<std::size_t> fresh;            // the first item of each id
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto& r = results[i];
        r.index = i;
        if (items[i].is_object() && items[i].contains("event_id") &&
            items[i]["event_id"].is_string())
            r.id = items[i]["event_id"].get<std::string>();
        auto check = read_event(items[i], store, config_, parser, now, req.identity.describe());
        if (!check.event) {
            r.status = 400;
            r.error = check.error;
            continue;
        }
        if (check.event->type == EventType::consent && check.event->consent.opt_in &&
            !opt_in_allowed_) {
            r.status = 403;
            r.error =
                "event: an opt-in needs an authenticated caller; this server has no admin token";
            continue;
        }
        const auto [at, inserted] = first.emplace(check.event->event_id, i);
        (inserted ? fresh : repeats).push_back(i);
        events[i] = std::move(check.event);
    }

    // One round trip: each id's first answer, if any, and whether its member exists.
    // An event's once key is in its member's shard (the scripts that take
    // it write her keys).
    const auto shard_of = [&](std::size_t i) {
        return shard_of_member(redis, store, events[i]->member_id);
    };
    std::vector<RedisCommand> reads;
    for (const auto i : fresh) {
        reads.push_back({"GET", keys::event(shard_of(i), events[i]->event_id)});
        reads.push_back({"EXISTS", keys::member(shard_of(i), events[i]->member_id)});
    }
    const auto replies = redis.pipeline(reads);
    std::vector<std::size_t> visits, cards, consents;
    for (std::size_t k = 0; k < fresh.size(); ++k) {
        const auto i = fresh[k];
        auto& r = results[i];
        const auto& stored = replies[2 * k].expect_ok("GET event");
        if (!stored.is_nil()) {
            auto answer = nlohmann::json::parse(stored.str, nullptr, false);
            if (answer.is_object()) {
                recorded(r, std::move(answer), true);
                continue;
            }
        }
        if (replies[2 * k + 1].expect_ok("EXISTS member").integer != 1) {
            r.status = 404;
            r.error = "member_id: no member \"" + events[i]->member_id + "\" in store " + store;
            continue;
        }
        const auto type = events[i]->type;
        (type == EventType::visit          ? visits
         : type == EventType::card_renewal ? cards
                                           : consents)
            .push_back(i);
    }

    std::vector<RedisCommand> keep;  // the first answers to remember
    const auto remember = [&](std::size_t i, const nlohmann::json& answer) {
        keep.push_back({"SET", keys::event(shard_of(i), events[i]->event_id), answer.dump(), "EX",
                        std::to_string(kEventIdKeepSeconds)});
    };
    if (!visits.empty()) {
        std::vector<Visit> batch;
        for (const auto i : visits)
            batch.push_back(events[i]->visit);
        VisitStore visit_store(redis, config_);
        const auto done = visit_store.record(batch, now);
        visit_store.note_arrival(batch, now, "api");
        for (std::size_t k = 0; k < visits.size(); ++k) {
            const auto i = visits[k];
            auto answer = first_answer(*events[i], visit_answer(done[k]));
            const bool duplicate = done[k].outcome == VisitOutcome::duplicate;
            if (!duplicate) remember(i, answer);
            recorded(results[i], std::move(answer), duplicate);
        }
    }
    if (!cards.empty()) {
        std::vector<MemberRecord> batch;
        for (const auto i : cards)
            batch.push_back(events[i]->card);
        const auto done = MemberStore(redis).upsert(batch);
        for (std::size_t k = 0; k < cards.size(); ++k) {
            const auto i = cards[k];
            const auto& set = events[i]->card.set;
            const auto it = set.find(std::string(field::card_expires));
            auto answer = first_answer(
                *events[i],
                {{"card_expires", it == set.end() ? std::string() : it->second},
                 {"member", done[k] == WriteOutcome::unchanged ? "unchanged" : "updated"}});
            remember(i, answer);
            recorded(results[i], std::move(answer), false);
        }
    }
    if (!consents.empty()) {
        MemberStore members(redis);
        ConsentStore consent(redis, config_);
        for (const auto i : consents) {
            auto e = events[i]->consent;
            if (const auto m = members.get(store, e.member)) e.address = address_of(*m, e.channel);
            if (const auto problem = check_consent_event(e)) {
                results[i].status = 400;
                results[i].error = "event: " + *problem;
                continue;
            }
            const auto key = keys::event(shard_of(i), events[i]->event_id);
            // Taken with the event; its full answer is written below.
            const OnceKey once{key, first_answer(*events[i], {{"recorded", true}}).dump(),
                               kEventIdKeepSeconds};
            const auto outcome = consent.record(e, &once);
            if (outcome.duplicate) {
                const auto stored = redis.command({"GET", key}).expect_ok("GET event");
                recorded(results[i], nlohmann::json::parse(stored.str, nullptr, false), true);
                continue;
            }
            nlohmann::json result{{"recorded", true},
                                  {"newly_refused", outcome.newly_opted_out},
                                  {"cancelled_jobs", outcome.cancelled}};
            if (!outcome.welcome_job.empty()) result["welcome_job"] = outcome.welcome_job;
            auto answer = first_answer(*events[i], result);
            remember(i, answer);
            recorded(results[i], std::move(answer), false);
        }
    }
    if (!keep.empty()) {
        for (const auto& reply : redis.pipeline(keep))
            reply.expect_ok("SET event");
    }
    // A repeat within the batch answers as its first did, marked duplicate.
    for (const auto i : repeats) {
        const auto& f = results[first.at(events[i]->event_id)];
        results[i].status = f.status;
        results[i].error = f.error;
        if (f.status < 400) recorded(results[i], f.extra, true);
    }
    return results;
}

HttpReply AdminApi::event(const HttpRequest& req) {
    const std::string& store = req.path_params.at(0);
    if (auto refusal = refuse(req, config_, store)) return *refusal;
    std::vector<nlohmann::json> items(1);
    try {
        items[0] = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::exception& e) {
        return error(400, std::string("body: not valid JSON: ") + e.what());
    }
    return with_redis("event", [&](RedisConnection& redis) {
        const auto r = record_events(redis, store, items, req).at(0);
        if (r.status >= 400) return error(r.status, r.error);
        nlohmann::json answer{{"event_id", r.id}};
        answer.update(r.extra);
        return HttpReply{200, answer.dump()};
    });
}

HttpReply AdminApi::event_batch(const HttpRequest& req) {
    const std::string& store = req.path_params.at(0);
    if (auto refusal = refuse(req, config_, store)) return *refusal;
    auto batch = read_batch_body(req.body, "events", {});
    if (batch.status != 0) return error(batch.status, batch.error);
    return with_redis("event batch", [&](RedisConnection& redis) {
        const auto results = record_events(redis, store, batch.items, req);
        return HttpReply{200, batch_answer(results, {"recorded", "duplicate"}).dump()};
    });
}

}  // namespace huitou
