#include "scheduler/admin_api.h"

#include <charconv>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/batch_body.h"
#include "core/member_body.h"
#include "core/visit_cycle.h"
#include "io/consent_store.h"
#include "io/job_listing.h"
#include "io/job_store.h"
#include "io/lua_script.h"
#include "io/member_eraser.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/winback_store.h"
#include "scheduler/admin_views.h"
#include "scheduler/day_preview.h"
#include "scheduler/effect_report.h"
#include "scheduler/store_access.h"

namespace huitou {
namespace {

HttpReply error(int status, const std::string& why) {
    return {status, nlohmann::json{{"error", why}}.dump()};
}

HttpReply ok(const nlohmann::json& body) {
    return {200, body.dump()};
}

// The stores a request names: all, or the one in ?store= (nullopt: not configured).
std::optional<std::vector<const StoreConfig*>> stores_of(const Config& config,
                                                         const std::string& only) {
    std::vector<const StoreConfig*> out;
    for (const auto& [id, store] : config.stores) {
        if (only.empty() || id == only) out.push_back(&store);
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::string unknown_store(const std::string& store) {
    return "store: \"" + store + "\" is not a configured store";
}

// A member as `huitou member S ID --json` prints it: store, member_id, the
// stored fields and her value segment read (segment_json).
nlohmann::json member_json(const Member& m) {
    nlohmann::json j{{"store", m.store}, {"member_id", m.id}};
    for (const auto& [field, value] : to_fields(m))
        j[field] = value;
    j["segment"] = segment_json(m);
    return j;
}

std::optional<Date> date_param(const HttpRequest& req, std::string* why) {
    const auto text = req.param("date");
    if (text.empty()) {
        *why = "date: required, YYYY-MM-DD";
        return std::nullopt;
    }
    const auto day = parse_date(text);
    if (!day) *why = "date: expected YYYY-MM-DD, got \"" + text + "\"";
    return day;
}

}  // namespace

AdminApi::AdminApi(const Config& config, const TemplateSet& templates, RedisEndpoint redis,
                   const Clock& clock)
    : config_(config), templates_(templates), endpoint_(std::move(redis)), clock_(clock) {}

void AdminApi::add_to(AdminServer& server) {
    server.on_get("/api/preview", [this](const HttpRequest& r) { return preview(r); });
    server.on_get("/api/jobs", [this](const HttpRequest& r) { return jobs(r); });
    server.on_get("/api/jobs/(.+)", [this](const HttpRequest& r) { return job(r); });
    server.on_get("/api/consent", [this](const HttpRequest& r) { return consent(r); });
    server.on_get("/api/stats", [this](const HttpRequest& r) { return stats(r); });
    server.on_get("/api/v1/stores/([^/]+)/report",
                  [this](const HttpRequest& r) { return report(r); });
    server.on("POST", "/api/v1/stores/([^/]+)/members:batch",
              [this](const HttpRequest& r) { return member_batch(r); });
    server.on("POST", "/api/v1/stores/([^/]+)/events",
              [this](const HttpRequest& r) { return event(r); });
    server.on("POST", "/api/v1/stores/([^/]+)/events:batch",
              [this](const HttpRequest& r) { return event_batch(r); });
    for (const char* method : {"GET", "POST"}) {
        server.on(method, "/api/v1/stores/([^/]+)/announcements",
                  [this](const HttpRequest& r) { return announcements(r); });
    }
    for (const char* method : {"GET", "DELETE"}) {
        server.on(method, "/api/v1/stores/([^/]+)/announcements/([^/]+)",
                  [this](const HttpRequest& r) { return announcement(r); });
    }
    server.on("GET", "/api/v1/stores/([^/]+)/announcements/([^/]+)/preview",
              [this](const HttpRequest& r) { return announcement(r); });
    opt_in_allowed_ = server.has_token();
    for (const char* method : {"GET", "PUT", "PATCH", "DELETE"}) {
        server.on(method, "/api/v1/stores/([^/]+)/members/([^/]+)",
                  [this](const HttpRequest& r) { return member(r); });
    }
}

HttpReply AdminApi::with_redis(const char* what,
                               const std::function<HttpReply(RedisConnection&)>& read) {
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        return read(*redis_);
    } catch (const StoreFrozen& e) {
        // A reshard holds the store (io/lua_script.h): nothing was written,
        // the connection is fine, and a retry is safe (event ids, PUT's and
        // PATCH's merge); the copy of a store takes minutes.
        spdlog::info("{} over HTTP: {}", what, e.what());
        auto reply = error(503, "store " + e.store() +
                                    " is being resharded; nothing was written: try again after "
                                    "Retry-After seconds");
        reply.headers.emplace_back("Retry-After", "60");
        return reply;
    } catch (const RedisError& e) {
        spdlog::error("{} over HTTP: {}", what, e.what());
        redis_.reset();  // connect again on the next request
        return error(503, "storage unavailable, try again");
    } catch (const RedisReplyError& e) {
        // Redis is there and said no (damaged data, a script error): retrying
        // will not help, and the connection is fine.
        spdlog::error("{} over HTTP: Redis refused {}: {}", what, e.request(), e.reply());
        return error(500, "storage refused the request; the scheduler's log says which");
    }
}

HttpReply AdminApi::report(const HttpRequest& req) {
    const std::string& id = req.path_params.at(0);
    if (auto refusal = refuse(req, config_, id)) return *refusal;
    const StoreConfig* store = config_.find_store(id);
    std::optional<Date> days[2];
    for (int i = 0; i < 2; ++i) {
        const std::string name = i == 0 ? "from" : "to";
        const auto text = req.param(name);
        if (text.empty()) return error(400, name + ": required, YYYY-MM-DD");
        days[i] = parse_date(text);
        if (!days[i]) return error(400, name + ": expected YYYY-MM-DD, got \"" + text + "\"");
    }
    if (const auto why = check_report_range(*days[0], *days[1]); !why.empty())
        return error(400, why);
    const auto format = req.param("format");
    const auto by = req.param("by");
    if (!by.empty() && by != "month") return error(400, "by: \"" + by + "\" is not month");
    if (!format.empty() && format != "json" && format != "csv")
        return error(400, "format: \"" + format + "\" is not json or csv");
    return with_redis("report", [&](RedisConnection& redis) {
        if (by == "month") {
            const auto months = effect_report_by_month(redis, *store, *days[0], *days[1]);
            if (format != "csv")
                return ok(effect_json_by_month(months, *store, *days[0], *days[1]));
            return HttpReply{200, effect_csv_by_month(months), "text/csv; charset=utf-8"};
        }
        const auto r = effect_report(redis, *store, *days[0], *days[1]);
        if (format == "csv") return HttpReply{200, effect_csv(r), "text/csv; charset=utf-8"};
        return ok(effect_json(r, *store, *days[0], *days[1]));
    });
}

HttpReply AdminApi::member(const HttpRequest& req) {
    const std::string& store = req.path_params.at(0);
    const std::string& id = req.path_params.at(1);
    if (auto refusal = refuse(req, config_, store)) return *refusal;
    if (!is_valid_member_id(id)) {
        return error(400, "member_id: \"" + id +
                              "\" may hold only letters, digits, '.', '_' and '-' (at most 64)");
    }
    if (req.method == "GET") {
        return with_redis("member lookup", [&](RedisConnection& redis) {
            const auto m = MemberStore(redis).get(store, id);
            if (!m) return error(404, "member: no member \"" + id + "\" in store " + store);
            return ok(member_json(*m));
        });
    }
    if (req.method == "DELETE") {
        return with_redis("member erasure", [&](RedisConnection& redis) {
            std::optional<Erasure> erased;
            try {
                erased = MemberEraser(redis, config_).erase(store, id, clock_.now());
            } catch (const std::runtime_error& e) {
                if (dynamic_cast<const RedisError*>(&e) || dynamic_cast<const RedisReplyError*>(&e))
                    throw;
                return error(409, "member: kept changing while being erased; try again");
            }
            if (!erased) return error(404, "member: no member \"" + id + "\" in store " + store);
            spdlog::info("erased member {} of store {} for {}", id, store, req.identity.describe());
            return ok({{"store", store},
                       {"member_id", id},
                       {"erased",
                        {{"jobs", erased->jobs},
                         {"effect_touches", erased->touches},
                         {"consent_events", erased->consent_events},
                         {"consent_events_rewritten", erased->consent_rewritten},
                         {"visits", erased->visits}}}});
        });
    }
    const MemberRowParser parser(
        [this](std::string_view s) { return config_.find_store(s) != nullptr; });
    const auto mode = req.method == "PUT" ? MemberWriteMode::replace : MemberWriteMode::merge;
    auto body = read_member_body(parser, req.body, store, id, mode);
    if (!body.record) return error(400, body.error);
    return with_redis("member write", [&](RedisConnection& redis) {
        MemberStore members(redis);
        if (mode == MemberWriteMode::merge && !members.get(store, id))
            return error(404, "member: no member \"" + id + "\" in store " + store);
        // Consent flags changed here are the shop's record, as an import's:
        // the ledger says api and who; the opt-out list is not touched.
        const MemberStore::Evidence evidence{
            clock_.now(), req.method + " member by " + req.identity.describe(), ConsentSource::api};
        const auto outcome = members.upsert({std::move(*body.record)}, &evidence).at(0);
        const auto m = members.get(store, id);
        if (!m) return error(409, "member: deleted while being written; try again");
        return HttpReply{outcome == WriteOutcome::created ? 201 : 200, member_json(*m).dump()};
    });
}

HttpReply AdminApi::member_batch(const HttpRequest& req) {
    const std::string& store = req.path_params.at(0);
    if (auto refusal = refuse(req, config_, store)) return *refusal;
    auto batch = read_batch_body(req.body, "members", {"mode"});
    if (batch.status != 0) return error(batch.status, batch.error);
    auto mode = MemberWriteMode::replace;
    if (const auto it = batch.options.find("mode"); it != batch.options.end()) {
        if (*it == "merge")
            mode = MemberWriteMode::merge;
        else if (*it != "replace")
            return error(400, "mode: " + it->dump() + " is not \"replace\" or \"merge\"");
    }
    // Each item through the single route's code (core/member_body.h).
    const MemberRowParser parser(
        [this](std::string_view s) { return config_.find_store(s) != nullptr; });
    std::vector<BatchResult> results(batch.items.size());
    std::vector<MemberRecord> records;
    std::vector<std::size_t> placed;  // records[k] is item placed[k]
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        auto& item = batch.items[i];
        auto& r = results[i];
        r.index = i;
        std::string id;
        if (item.is_object()) {
            // "id" or, as in PUT and the import, "member_id"
            const auto named = item.find("id");
            const auto member_id = item.find("member_id");
            if (named != item.end() && named->is_string()) id = named->get<std::string>();
            if (member_id != item.end() && member_id->is_string()) {
                if (!id.empty() && id != member_id->get<std::string>()) {
                    r.status = 400;
                    r.error =
                        "member_id: " + member_id->dump() + " is not the item's id \"" + id + "\"";
                    continue;
                }
                id = member_id->get<std::string>();
            }
            item.erase("id");
        }
        r.id = id;
        if (!item.is_object()) {
            r.status = 400;
            r.error = "body: expected a JSON object";
            continue;
        }
        if (!is_valid_member_id(id)) {
            r.status = 400;
            r.error = id.empty() ? "id: required, the member's id"
                                 : "id: \"" + id +
                                       "\" may hold only letters, digits, '.', '_' and '-' (at "
                                       "most 64)";
            continue;
        }
        auto body = read_member_object(parser, std::move(item), store, id, mode);
        if (!body.record) {
            r.status = 400;
            r.error = body.error;
            continue;
        }
        records.push_back(std::move(*body.record));
        placed.push_back(i);
    }
    return with_redis("member batch", [&](RedisConnection& redis) {
        if (mode == MemberWriteMode::merge && !records.empty()) {
            // A merge names a member that exists, as PATCH does.
            std::vector<RedisCommand> exists;
            for (const auto& rec : records)
                exists.push_back(
                    {"EXISTS", keys::member(shard_of_member(redis, store, rec.id), rec.id)});
            const auto replies = redis.pipeline(exists);
            std::vector<MemberRecord> kept;
            std::vector<std::size_t> kept_at;
            for (std::size_t k = 0; k < records.size(); ++k) {
                if (replies[k].expect_ok("EXISTS member").integer == 1) {
                    kept.push_back(std::move(records[k]));
                    kept_at.push_back(placed[k]);
                    continue;
                }
                auto& r = results[placed[k]];
                r.status = 404;
                r.error = "member: no member \"" + r.id + "\" in store " + store;
            }
            records = std::move(kept);
            placed = std::move(kept_at);
        }
        const MemberStore::Evidence evidence{
            clock_.now(), "members:batch by " + req.identity.describe(), ConsentSource::api};
        const auto outcomes = records.empty() ? std::vector<WriteOutcome>{}
                                              : MemberStore(redis).upsert(records, &evidence);
        for (std::size_t k = 0; k < outcomes.size(); ++k) {
            auto& r = results[placed[k]];
            r.status = outcomes[k] == WriteOutcome::created ? 201 : 200;
            r.outcome = outcomes[k] == WriteOutcome::created   ? "created"
                        : outcomes[k] == WriteOutcome::updated ? "updated"
                                                               : "unchanged";
        }
        return ok(batch_answer(results, {"created", "updated", "unchanged"}));
    });
}

HttpReply AdminApi::preview(const HttpRequest& req) {
    std::string why;
    const auto day = date_param(req, &why);
    if (!day) return error(400, why);
    const auto store = req.param("store");
    if (!store.empty() && !config_.find_store(store)) return error(400, unknown_store(store));
    return with_redis("preview", [&](RedisConnection& redis) {
        const auto previews = preview_day(redis, config_, templates_, *day, store, clock_.now());
        return ok(preview_json(previews, config_));
    });
}

HttpReply AdminApi::jobs(const HttpRequest& req) {
    JobFilter filter;
    if (const auto state = req.param("state"); !state.empty()) {
        filter.state = parse_job_state(state);
        if (!filter.state) {
            return error(400, "state: \"" + state +
                                  "\" is not a job state (planned, dispatched, sent, delivered, "
                                  "failed, expired, cancelled, unknown, held)");
        }
    }
    filter.member_id = req.param("member");
    if (!filter.member_id.empty() && !is_valid_member_id(filter.member_id))
        return error(400, "member: \"" + filter.member_id + "\" is not a member id");
    if (req.query.contains("date")) {
        std::string why;
        const auto day = date_param(req, &why);
        if (!day) return error(400, why);
        filter.date = format_date(*day);
    }
    const auto only = req.param("store");
    const auto stores = stores_of(config_, only);
    if (!stores) return error(400, unknown_store(only));
    long long limit = default_limit;
    if (const auto text = req.param("limit"); !text.empty()) {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (ec != std::errc{} || end != text.data() + text.size() || limit < 1 ||
            limit > max_limit) {
            return error(400, "limit: a whole number from 1 to " + std::to_string(max_limit) +
                                  ", got \"" + text + "\"");
        }
    }
    return with_redis("job listing", [&](RedisConnection& redis) {
        JobListing listing(redis);
        auto list = nlohmann::json::array();
        std::size_t matched = 0;
        for (const auto* store : *stores) {
            const Date today = local_date(clock_.now(), store->zone);
            for (const auto& j :
                 listing.find(*store, filter, today, config_.scheduler.job_retention)) {
                if (++matched <= static_cast<std::size_t>(limit)) list.push_back(job_json(j));
            }
        }
        return ok({{"jobs", std::move(list)},
                   {"matched", matched},
                   {"truncated", matched > static_cast<std::size_t>(limit)}});
    });
}

HttpReply AdminApi::job(const HttpRequest& req) {
    const std::string id = req.path_params.empty() ? std::string() : req.path_params.front();
    const auto only = req.param("store");
    const auto stores = stores_of(config_, only);
    if (!stores) return error(400, unknown_store(only));
    return with_redis("job lookup", [&](RedisConnection& redis) {
        JobStore jobs(redis, config_.scheduler);
        for (const auto* store : *stores) {
            if (const auto j = jobs.get(store->id, id, store->zone)) {
                return ok(job_json(*j, true, store->zone));
            }
        }
        return error(404, "id: no job \"" + id + "\"" +
                              (only.empty() ? std::string(" in any store") : " in store " + only));
    });
}

HttpReply AdminApi::consent(const HttpRequest& req) {
    const auto member = req.param("member");
    if (member.empty()) return error(400, "member: required, the member's id");
    if (!is_valid_member_id(member))
        return error(400, "member: \"" + member + "\" is not a member id");
    const auto only = req.param("store");
    const auto stores = stores_of(config_, only);
    if (!stores) return error(400, unknown_store(only));
    return with_redis("consent", [&](RedisConnection& redis) {
        MemberStore members(redis);
        ConsentStore consent(redis, config_);
        auto found = nlohmann::json::array();
        for (const auto* store : *stores) {
            if (const auto m = members.get(store->id, member))
                found.push_back(consent_json(*m, *store, consent));
        }
        if (found.empty()) {
            return error(404,
                         "member: no member \"" + member + "\"" +
                             (only.empty() ? std::string(" in any store") : " in store " + only));
        }
        return ok({{"member_id", member}, {"stores", std::move(found)}});
    });
}

HttpReply AdminApi::stats(const HttpRequest& req) {
    const auto only = req.param("store");
    const auto stores = stores_of(config_, only);
    if (!stores) return error(400, unknown_store(only));
    return with_redis("stats", [&](RedisConnection& redis) {
        JobStore jobs(redis, config_.scheduler);
        WinbackStore winbacks(redis, config_.scheduler);
        nlohmann::json out = nlohmann::json::object();
        for (const auto* store : *stores) {
            const Date today = local_date(clock_.now(), store->zone);
            out[store->id] = {
                {"jobs", jobs.counts(store->id)},
                {"winback", winback_json(winbacks.counts(store->id, day_number(today)), today)}};
        }
        return ok({{"stores", std::move(out)}});
    });
}

}  // namespace huitou
