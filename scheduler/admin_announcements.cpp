// admin_announcements.cpp — AdminApi's announcement routes, for a point-of-
// sale or member system that announces new arrivals itself:
//
//   GET  /api/v1/stores/<S>/announcements               the store's, by date
//   POST /api/v1/stores/<S>/announcements               create: {"tags": "历史小说;乐高"
//                                                        or ["历史小说", "乐高"], "match",
//                                                        "segments", "template", "date", "id"}
//   GET  /api/v1/stores/<S>/announcements/<id>          one
//   GET  /api/v1/stores/<S>/announcements/<id>/preview  who gets it and why not the rest
//   DELETE /api/v1/stores/<S>/announcements/<id>        cancel it and its planned messages
//                                                        (it stays listed, cancelled)
//
// The same checks (core/announcement.h), store (io/announcement_store.h)
// and answers as `huitou announce … --json`; the caller's store access as
// every v1 route (scheduler/store_access.h: a read key may list and
// preview, not create or cancel). created_by / cancelled_by is the caller
// (Identity::describe).
#include <spdlog/spdlog.h>

#include "io/announcement_store.h"
#include "scheduler/admin_api.h"
#include "scheduler/day_preview.h"
#include "scheduler/store_access.h"

namespace huitou {
namespace {

HttpReply error(int status, const std::string& why) {
    return {status, nlohmann::json{{"error", why}}.dump()};
}

HttpReply ok(const nlohmann::json& body, int status = 200) {
    return {status, body.dump()};
}

// The body's text of `key`: a string, or (tags) an array of strings joined.
std::optional<std::string> text_field(const nlohmann::json& body, const std::string& key,
                                      std::string* why) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array() && (key == "tags" || key == "segments")) {
        std::string joined;
        for (const auto& item : *it) {
            if (!item.is_string()) {
                *why = key + ": expected strings";
                return std::nullopt;
            }
            joined += item.get<std::string>() + ";";
        }
        return joined;
    }
    *why = key + ": expected a string";
    return std::nullopt;
}

}  // namespace

HttpReply AdminApi::announcements(const HttpRequest& req) {
    const std::string& id = req.path_params.at(0);
    if (auto refusal = refuse(req, config_, id)) return *refusal;
    const StoreConfig& store = *config_.find_store(id);
    const SysSeconds now = clock_.now();
    const Date today = local_date(now, store.zone);
    if (req.method == "GET") {
        return with_redis("announcements", [&](RedisConnection& redis) {
            auto list = nlohmann::json::array();
            for (const auto& a : AnnouncementStore(redis).list(store.id))
                list.push_back(announcement_json(a, today, store.zone));
            return ok({{"store", store.id}, {"announcements", std::move(list)}});
        });
    }
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::exception& e) {
        return error(400, std::string("body: not valid JSON: ") + e.what());
    }
    if (!body.is_object()) return error(400, "body: expected a JSON object");
    static const std::vector<std::string> known{"id",       "tags",     "match",
                                                "segments", "template", "date"};
    for (const auto& [key, value] : body.items()) {
        if (std::find(known.begin(), known.end(), key) == known.end())
            return error(400, key +
                                  ": not an announcement field (id, tags, match, segments, "
                                  "template, date)");
    }
    AnnouncementRequest r;
    std::string why;
    for (auto [key, field] :
         {std::pair{"id", &r.id}, std::pair{"tags", &r.tags}, std::pair{"match", &r.match},
          std::pair{"segments", &r.segments}, std::pair{"template", &r.template_name},
          std::pair{"date", &r.date}}) {
        if (auto text = text_field(body, key, &why)) *field = std::move(*text);
        if (!why.empty()) return error(400, why);
    }
    auto checked = check_announcement(r, store.id, today, req.identity.describe(), now);
    if (!checked.announcement) return error(400, checked.error);
    return with_redis("announcement create", [&](RedisConnection& redis) {
        AnnouncementStore announcements(redis);
        const auto made = announcements.create(*checked.announcement);
        if (!made) return error(409, "id: " + r.id + " exists already");
        spdlog::info("{}: announcement {} on {} created by {}", store.id, *made, r.date,
                     req.identity.describe());
        return ok(announcement_json(*announcements.get(store.id, *made), today, store.zone), 201);
    });
}

HttpReply AdminApi::announcement(const HttpRequest& req) {
    const std::string& id = req.path_params.at(0);
    if (auto refusal = refuse(req, config_, id)) return *refusal;
    const StoreConfig& store = *config_.find_store(id);
    const std::string& which = req.path_params.at(1);
    const std::string action = req.method == "DELETE"           ? "cancel"
                               : req.path.ends_with("/preview") ? "preview"
                                                                : "";
    const SysSeconds now = clock_.now();
    const Date today = local_date(now, store.zone);
    return with_redis("announcement", [&](RedisConnection& redis) {
        AnnouncementStore announcements(redis);
        const auto a = announcements.get(store.id, which);
        if (!a) return error(404, "no announcement " + which + " at " + store.id);
        if (action == "preview") {
            auto previews = preview_day(redis, config_, templates_, a->date, store.id, now);
            for (auto& p : previews)
                p = only_announcement(std::move(p), *a);
            auto out = preview_json(previews, config_);
            out["announcement"] = announcement_json(*a, today, store.zone);
            return ok(out);
        }
        if (action == "cancel") {
            const auto c =
                announcements.cancel(config_, store.id, which, req.identity.describe(), now);
            spdlog::info("{}: announcement {} cancelled by {}: {} planned messages cancelled",
                         store.id, which, req.identity.describe(), c.jobs_cancelled);
            return ok({{"store", store.id},
                       {"id", which},
                       {"state", "cancelled"},
                       {"was_cancelled", c.was_cancelled},
                       {"jobs_cancelled", c.jobs_cancelled},
                       {"jobs_left", c.jobs_gone}});
        }
        return ok(announcement_json(*a, today, store.zone));
    });
}

}  // namespace huitou
